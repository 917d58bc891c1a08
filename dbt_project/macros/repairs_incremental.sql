{#
    int_work_orders_assessed, incremental by customer. A work order's flags read the order
    itself, the policy seeds and (rework) the other orders of the same customer and category, so
    the assessment splits by customer: a night recomputes every order of the customers something
    happened to and keeps every other row. Those customers are:
      - the current customer of every order with a version in a newer repairs batch, and every
        customer any earlier version of it had (an order moved to another customer must stop
        flagging the first one's orders as reworked);
      - every customer new in a newer CRM batch (a customer file arriving late makes its
        orders' customer known: is_unknown_customer).
    Orders without a customer are recomputed when they change. Everything is recomputed on a
    first build, a full refresh, when the table predates these columns, when a repairs or CRM
    batch was replaced since the marks, when a technician appears in the CRM (is_unknown_technician
    of its orders: rare, and no index by technician), or when the policy values or category points
    differ from those the stored rows were computed with (policy_fingerprint).
    Measured: the whole assessment read and self-joined 530 000 orders, 5.4 s a night at a year of
    `large` against 1.5 s at 106 days.
#}
{% macro repairs_assessed_plan() -%}
    {%- if not (execute and is_incremental())
            or missing_columns(['repairs_batch_id', 'crm_batch_id', 'policy_fingerprint']) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set stored = run_query(
        "select max(repairs_batch_id), max(crm_batch_id), count(distinct policy_fingerprint),"
        ~ " max(policy_fingerprint) from " ~ this).rows[0] -%}
    {%- if stored[0] is none or stored[2] != 1 or stored[3] != repairs_policy_fingerprint() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set repairs_mark, crm_mark = stored[0] | int, stored[1] | int -%}
    {%- set batches = source('audit', 'load_batches') -%}
    {%- set agents = source('crm', 'crm_agents') -%}
    {%- set rebuild = run_query(
        "select exists (select 1 from " ~ batches ~ " where status = 'replaced' and ("
        ~ "(source = 'repairs' and replaced_by > " ~ repairs_mark ~ ") or (source = 'crm' and replaced_by > " ~ crm_mark ~ ")))"
        ~ " or exists (select 1 from " ~ agents ~ " as new where new._batch_id > " ~ crm_mark
        ~ " and new._batch_id in (select batch_id from " ~ batches ~ " where status = 'loaded')"
        ~ " and not exists (select 1 from " ~ agents ~ " as old where old.agent_id = new.agent_id"
        ~ " and old._batch_id <= " ~ crm_mark ~ "))").columns[0].values()[0] -%}
    {{ return(none if rebuild else {'repairs': repairs_mark, 'crm': crm_mark}) }}
{%- endmacro %}

{# The policy values and category points the assessment reads, as one text (md5; '' at parse
   time, in unit tests, whose seeds are fixtures, and where the seeds are not built). #}
{% macro repairs_policy_fingerprint() -%}
    {%- if audit_batches_relation() is none -%}{{ return('') }}{%- endif -%}
    {#- a compile without the seeds (docs of a warehouse built in part): nothing to read -#}
    {%- if load_relation(ref('policy_thresholds')) is none or load_relation(ref('repair_category_points')) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set result = run_query(
        "select md5(coalesce((select string_agg(policy_key || '=' || policy_value::text, ';' order by policy_key)"
        ~ " from " ~ ref('policy_thresholds') ~ " where policy_key in ('repair_punctuality_grace_minutes',"
        ~ " 'emergency_arrival_limit_minutes', 'routine_completion_limit_hours', 'rework_window_days')), '')"
        ~ " || '|' || coalesce((select string_agg(category || '=' || work_points::text, ';' order by category)"
        ~ " from " ~ ref('repair_category_points') ~ "), ''))") -%}
    {{ return(result.columns[0].values()[0]) }}
{%- endmacro %}

{# Pre-hook of int_work_orders_assessed: the orders to recompute (temporary table
   repairs_recompute, read by the model) and their stored rows deleted; every row when the plan
   is a whole rebuild (macros/recompute.sql). #}
{% macro repairs_assessed_prepare(plan) -%}
    {%- call recompute_prepare(plan, 'repairs_recompute', 'work_order_id', 'work_order_id') -%}
        with
        live_batches as (
            select batch_id from {{ source('audit', 'load_batches') }} where status = 'loaded'
        ),
        changed_orders as (
            select work_order_id, customer_id from {{ ref('stg_field_service__work_orders') }}
            where _batch_id > {{ plan.repairs }}
        ),
        customers as (
            select customer_id from changed_orders
            union
            select versions.customer_id from {{ source('field_service', 'work_orders') }} as versions
            where versions.work_order_id in (select work_order_id from changed_orders)
            union
            -- customers new in the CRM (a customer known stays known: no file is ever deleted)
            select new.customer_id from {{ source('crm', 'crm_customers') }} as new
            where new._batch_id > {{ plan.crm }}
                and new._batch_id in (select batch_id from live_batches)
                and not exists (
                    select 1 from {{ source('crm', 'crm_customers') }} as old
                    where old.customer_id = new.customer_id
                        and old._batch_id <= {{ plan.crm }}
                        and old._batch_id in (select batch_id from live_batches))
        )
        select work_order_id from changed_orders
        union
        select orders.work_order_id from {{ ref('stg_field_service__work_orders') }} as orders
        where orders.customer_id in (select customer_id from customers)
    {%- endcall -%}
{%- endmacro %}
