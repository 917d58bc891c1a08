{# A policy value from the policy_thresholds seed, as a scalar subquery (numeric). #}
{% macro policy(key) -%}
    (select policy_value from {{ ref('policy_thresholds') }} where policy_key = '{{ key }}')
{%- endmacro %}
