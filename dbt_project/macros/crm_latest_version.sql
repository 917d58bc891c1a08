{#
    The latest extracted version of each row of a raw table that holds one row per extracted
    version (CRM tables, work orders): greatest `order_by` wins, then the later logical date,
    batch and line. Only rows of batches that are live (`loaded`) count, so a replaced or
    failed batch never leaks into the marts.
#}
{% macro crm_latest_version(relation, key, order_by='updated_at') -%}
    select ranked.*
    from (
        select
            versions.*,
            row_number() over (
                partition by versions.{{ key }}
                order by
                    versions.{{ order_by }} desc,
                    versions._logical_date desc,
                    versions._batch_id desc,
                    versions._line_number desc
            ) as _version_rank
        from {{ relation }} as versions
        where versions._batch_id in (
            select batch_id from {{ source('audit', 'load_batches') }} where status = 'loaded'
        )
    ) as ranked
    where ranked._version_rank = 1
{%- endmacro %}

{# Digits of a phone number only; '' and NULL give NULL (a number without digits matches none). #}
{% macro crm_phone_digits(column) -%}
    nullif(regexp_replace(coalesce({{ column }}, ''), '[^0-9]', '', 'g'), '')
{%- endmacro %}

{# Mainland mobile with the country code stripped: 86 13812345678 → 13812345678. #}
{% macro crm_national_digits(column) -%}
    case
        when length({{ crm_phone_digits(column) }}) > 11 and {{ crm_phone_digits(column) }} like '86%'
            then substr({{ crm_phone_digits(column) }}, 3)
        else {{ crm_phone_digits(column) }}
    end
{%- endmacro %}
