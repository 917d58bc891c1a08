{#
    "As of" for every mart: the local midnight after the run's logical date (var as_of_date),
    as a timestamptz. Without the var, the latest logical date that has a loaded batch.
    Never the wall clock, so a re-run of a day gives the same numbers.
#}
{% macro as_of_date() -%}
    {%- if var('as_of_date', none) -%}
        date '{{ var("as_of_date") }}'
    {%- else -%}
        (select coalesce(max(logical_date), current_date) from {{ source('audit', 'load_batches') }} where status = 'loaded')
    {%- endif -%}
{%- endmacro %}

{% macro as_of() -%}
    (({{ as_of_date() }} + 1)::timestamp at time zone '{{ var("centre_tz") }}')
{%- endmacro %}

{# The centre's local date / month of a timestamptz. #}
{% macro local_date(ts) -%}
    (({{ ts }}) at time zone '{{ var("centre_tz") }}')::date
{%- endmacro %}

{% macro local_month(ts) -%}
    date_trunc('month', ({{ ts }}) at time zone '{{ var("centre_tz") }}')::date
{%- endmacro %}
