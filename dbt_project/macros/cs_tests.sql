{#
    Generic data tests of the customer-service models (prefix cs_: ours, not dbt_utils, which
    needs a package download). Each returns the failing rows.
#}

{# A business rule that must hold on every row (rows where it is false fail; NULL passes). #}
{% test cs_expression_is_true(model, expression) %}
    select * from {{ model }} where not ({{ expression }})
{% endtest %}

{# A column within [min_value, max_value] (NULL passes): rates are fractions in [0, 1]. #}
{% test cs_between(model, column_name, min_value=0, max_value=1) %}
    select * from {{ model }}
    where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}

{#
    Two queries give the same number (integrity between layers): fails with one row
    showing both when they differ.
#}
{% test cs_counts_match(model, left_sql, right_sql) %}
    select left_count, right_count
    from (select ({{ left_sql }}) as left_count, ({{ right_sql }}) as right_count) as counts
    where left_count is distinct from right_count
{% endtest %}
