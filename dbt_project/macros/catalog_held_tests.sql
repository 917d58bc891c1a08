{#
    dbt's `not_null` and `unique` data tests, answered by the catalog where PostgreSQL already
    holds the property, and by reading the rows everywhere else.

    A column with a NOT NULL constraint cannot hold a NULL, and a column with a valid, immediate,
    unique index on it alone cannot hold a non-NULL value twice: PostgreSQL refuses the write
    that would break either, so the build fails there, naming the row. dbt's tests read every
    row again to find what cannot be there: on the big incremental tables that was a scan of the
    whole history a night for each test (fct_calls: 7.4 M rows at a year of `large`), a cost that
    grew with the years while the night's data did not.

    Each test below is dbt's own query with one more condition: "and the catalog does not hold
    it". PostgreSQL evaluates that uncorrelated condition once, before the scan (a one-time
    filter), so a held property reads a few catalog rows and no table row; a property the
    catalog does not hold (a view, a column without the constraint, an index that is partial,
    on an expression, deferrable or not yet valid, a test with a `where` config) is tested on
    the rows exactly as dbt does. The test still fails whenever a NULL or a duplicate exists.

    dbt_project.yml dispatches the `dbt` namespace to this project first, so these replace the
    built-in implementations for every model, seed and source.
#}

{# The relation a generic test runs on as `"schema"."table"`, or none when the test does not run
   on a plain relation (a `where` config wraps it in a subquery) or the column is an expression. #}
{% macro _catalog_target(model, column_name) -%}
    {%- if model is string or model.identifier is not defined or model.identifier is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*', column_name | string) -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(model.include(database=false)) }}
{%- endmacro %}

{# SQL: true when the column has a NOT NULL constraint. #}
{% macro catalog_holds_not_null(relation, column_name) -%}
    exists (
        select 1 from pg_catalog.pg_attribute as a
        where a.attrelid = to_regclass('{{ relation | replace("'", "''") }}')
            and a.attname = '{{ column_name | lower }}'
            and a.attnotnull
            and not a.attisdropped
    )
{%- endmacro %}

{# SQL: true when a valid, immediate, unique index has this column as its only key column, no
   predicate and no expression (its NULLs may repeat: dbt's test ignores them too). #}
{% macro catalog_holds_unique(relation, column_name) -%}
    exists (
        select 1 from pg_catalog.pg_index as i
        join pg_catalog.pg_attribute as a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
        where i.indrelid = to_regclass('{{ relation | replace("'", "''") }}')
            and i.indisunique and i.indisvalid and i.indimmediate
            and i.indpred is null and i.indexprs is null
            and i.indnkeyatts = 1
            and a.attname = '{{ column_name | lower }}'
    )
{%- endmacro %}

{% macro default__test_not_null(model, column_name) %}
{%- set column_list = '*' if should_store_failures() else column_name -%}
{%- set relation = _catalog_target(model, column_name) %}
select {{ column_list }}
from {{ model }}
where {{ column_name }} is null
{%- if relation is not none %}
    -- read no row when the column's NOT NULL constraint holds it (macros/catalog_held_tests.sql)
    and not {{ catalog_holds_not_null(relation, column_name) }}
{%- endif %}
{% endmacro %}

{% macro default__test_unique(model, column_name) %}
{%- set relation = _catalog_target(model, column_name) %}
select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
{%- if relation is not none %}
    -- read no row when a unique index on the column holds it (macros/catalog_held_tests.sql)
    and not {{ catalog_holds_unique(relation, column_name) }}
{%- endif %}
group by {{ column_name }}
having count(*) > 1
{% endmacro %}

{#
    Post-hook of every model (dbt_project.yml): an incremental table gets a NOT NULL constraint on
    each column an error-severity `not_null` test guards, so that the test above is answered by
    the catalog instead of a scan of the whole history each night. Only incremental tables: a
    table rebuilt each night would pay a validation scan for every constraint added, the cost
    of the test itself. A column that already has the constraint is left alone (no lock, no
    scan); the missing ones are added in one statement, validated in one scan of the table (once,
    the first night after they appear in the tests), and a NULL there fails the build naming the
    column, as the test would have failed.
#}
{% macro ensure_tested_not_null() -%}
    {%- if execute and config.get('materialized') == 'incremental' -%}
        {%- set columns = [] -%}
        {%- for node in graph.nodes.values()
                if node.resource_type == 'test'
                and node.attached_node == model.unique_id
                and (node.test_metadata or {}).get('name') == 'not_null'
                and (node.config.severity | lower) == 'error'
                and not node.config.where -%}
            {%- set column = node.test_metadata.kwargs.get('column_name') | string -%}
            {%- if modules.re.fullmatch('[a-z_][a-z0-9_]*', column) and column not in columns -%}
                {%- do columns.append(column) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if columns -%}
        do $$
        declare
            missing text;
        begin
            select string_agg(format('alter column %I set not null', a.attname), ', ' order by a.attnum)
            into missing
            from pg_catalog.pg_attribute as a
            where a.attrelid = '{{ this }}'::regclass
                and a.attnum > 0 and not a.attisdropped and not a.attnotnull
                and a.attname = any (array[{%- for c in columns | sort -%}'{{ c }}'{{ ", " if not loop.last }}{%- endfor -%}]::text[]);
            if missing is not null then
                execute format('alter table %s %s', '{{ this }}'::regclass, missing);
            end if;
        end $$
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
