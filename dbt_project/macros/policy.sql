{# A policy value from the policy_thresholds seed, as a scalar subquery (numeric). #}
{% macro policy(key) -%}
    (select policy_value from {{ ref('policy_thresholds') }} where policy_key = '{{ key }}')
{%- endmacro %}

{#
    A policy value read now, at compile time (a number), for SQL that must hold it as a literal:
    a date list widened by the repeat window is only visible to the planner as literals. Call it
    only when executing (it queries the seed table).
#}
{% macro policy_now(key) -%}
    {%- set result = run_query(
        "select policy_value from " ~ ref('policy_thresholds') ~ " where policy_key = '" ~ key ~ "'") -%}
    {%- if result.rows | length != 1 -%}
        {{ exceptions.raise_compiler_error("policy_thresholds has no single row for " ~ key) }}
    {%- endif -%}
    {{ return(result.columns[0].values()[0]) }}
{%- endmacro %}
