{#
    Data tests on the call-centre event tables check the files of the last five logical days.

    raw.queue_log / raw.cdr and their staging views hold every event ever loaded (tens of millions
    of rows at a year of a large centre), and a loaded batch never changes: re-testing all of
    history every night made the night's cost grow with history (measured: docs/DECISIONS.md,
    "Performance"). In a run with an as-of date, a test on one of these relations reads the files
    of the five logical days up to it (a build schema is at most two nights behind); every batch
    is also validated by its Great Expectations raw suite when it lands. Without as_of_date (an
    ad-hoc `svcwh dbt -- test`) the tests read everything. A literal date, not a subquery, so that
    the planner sees how few rows that is. A test's own `where` config still applies.

    This overrides dbt's get_where_subquery (the macro that applies a test's `where` config).
#}
{% macro postgres__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}{%- do conditions.append('(' ~ where ~ ')') -%}{%- endif -%}
    {%- set column = recent_files_column(relation) -%}
    {%- if column and var('as_of_date', none) -%}
        {%- do conditions.append(column ~ " > date '" ~ var('as_of_date') ~ "' - 5") -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{# The logical-date column of a call-centre event relation, or none for any other relation. #}
{% macro recent_files_column(relation) -%}
    {%- set name = (relation.identifier or '') | lower -%}
    {%- set schema = (relation.schema or '') | lower -%}
    {%- if name in ('stg_call_centre__queue_log', 'stg_call_centre__cdr') -%}
        {{ return('logical_date') }}
    {%- elif schema == 'raw' and name in ('queue_log', 'cdr') -%}
        {{ return('_logical_date') }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}
