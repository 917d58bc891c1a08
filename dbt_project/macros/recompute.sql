{#
    Pre-hook of a model incremental by partition (int_calls_qa_matched by uniqueid,
    int_work_orders_assessed by customer): the keys to recompute go into the analysed temporary
    table `temp_table` (column `key`, from the select in the call block; the model reads it),
    and the stored rows whose `column` is one of them are deleted. `plan` none: a whole rebuild,
    every stored row deleted (the call block is not rendered).

    {% call recompute_prepare(plan, 'recompute_keys', 'work_order_id', 'work_order_id') %}
        select ...
    {% endcall %}
#}
{% macro recompute_prepare(plan, temp_table, column, key) -%}
    {%- if not (execute and is_incremental()) -%}
        select 1 as nothing_to_prepare
    {%- elif plan is none -%}
        delete from {{ this }}
    {%- else -%}
        drop table if exists pg_temp.{{ temp_table }};
        create temporary table {{ temp_table }} on commit drop as
        {{ caller() }};
        delete from {{ temp_table }} where {{ key }} is null;
        analyze {{ temp_table }};
        delete from {{ this }} where {{ column }} in (select {{ key }} from {{ temp_table }})
    {%- endif -%}
{%- endmacro %}
