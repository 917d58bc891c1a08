{#
    The only form of a phone number allowed in `marts` (客户资料保密制度): the national number's
    first 3 and last 4 digits around '****' (138****5678); NULL when it has fewer than 7 digits.
#}
{% macro mask_phone(column) -%}
    case
        when length({{ crm_national_digits(column) }}) >= 7
            then left({{ crm_national_digits(column) }}, 3)
                || '****'
                || right({{ crm_national_digits(column) }}, 4)
    end
{%- endmacro %}
