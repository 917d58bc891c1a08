{#
    Incremental rebuild of the customer-grain models (int_customer_activity_days, customer_monthly)
    by customer and date.

    A customer's rows change only when a row of it changes in an input, so a night finds the
    customers something happened to, each with the first day (month) of its rows that can have
    changed, recomputes those rows and leaves every other row as it is. At a year of `large`
    that is ≈ 42 000 customers a night, most of them from tonight on only; a full rebuild cost
    28 s (customer_monthly) and 20 s (activity days) a night (docs/benchmarks.md).

    What a model has seen is kept in `intermediate.customer_incremental_marks`, one row per
    relation, written by the model's post-hook inside its own transaction (so the marks never
    run ahead of the rows): the greatest batch of each input, the greatest batch in
    audit.load_batches, the as-of date, and (customer_monthly) the first month with any data.

    The customers to recompute, and from when (the pre-hook stages them in a temporary table,
    analysed):
      1. customer files with a newer version (type, region, opening, status, number): from the
         start;
      2. invoices, complaints, surveys and work orders with a newer version: their customer, and
         every customer any version of them ever had, from each version's date (one moved to
         another customer leaves the first one with a row less: raw indexes on the entity keys
         find the versions);
      3. calls fct_calls took from a newer calls batch: from their date;
      4. calls fct_calls re-attributed since: it attributes by the caller's number, so a call can
         only change customer when a customer file holding that number changed. The CRM batches
         fct_calls has applied since (its crm_batch_id) name those files; every customer now
         holding any number any version of them ever had is recomputed from the start, the old
         holder included;
      5. every row whose time lies between the stored and the new as of, from its date (a row
         loaded earlier but dated after the old as of becomes visible without a new batch).
    Everything is recomputed instead when a batch was replaced since (its rows left raw and no
    row is left to follow), when nothing is stored yet or the stored marks are of another
    version of this logic, and (customer_monthly) when the first month with any data moved.
    Equal to the full rebuild row for row: tests/dbt/test_customers_incremental.py.
#}

{# Bump when the meaning of the stored marks changes: every table is then rebuilt once. #}
{% macro _customers_marks_version() %}{{ return(1) }}{% endmacro %}

{% macro customers_marks_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema=generate_schema_name('intermediate', none),
                                  identifier='customer_incremental_marks')) }}
{%- endmacro %}

{#
    The inputs' marks now, read at compile time (dict). `first_month`: also the first month with
    any data (customer_monthly's month grid starts there), from index probes only.
    The CRM and work-order probes here and in the pre-hook read the `base_` tables the staging
    views project one to one: through the views (their columns that look up other tables) no
    index served them (max(_batch_id) of the work orders: 566 ms through the view, 0.08 ms on the
    table, at a year of `large`; each model reads the marks three times a night).
#}
{% macro customers_marks_now(first_month=false) -%}
    {%- set sql -%}
        select
            (select coalesce(max(batch_id), -1) from {{ source('audit', 'load_batches') }}) as seen,
            (select coalesce(max(_batch_id), -1) from {{ ref('base_crm__customers') }}) as customers,
            (select coalesce(max(_batch_id), -1) from {{ ref('base_crm__invoices') }}) as invoices,
            (select coalesce(max(_batch_id), -1) from {{ ref('base_crm__complaints') }}) as complaints,
            (select coalesce(max(_batch_id), -1) from {{ ref('base_crm__surveys') }}) as surveys,
            (select coalesce(max(_batch_id), -1) from {{ ref('base_field_service__work_orders') }}) as work_orders,
            (select coalesce(max(source_batch_id), -1) from {{ ref('fct_calls') }}) as calls,
            (select coalesce(max(crm_batch_id), -1) from {{ ref('fct_calls') }}) as calls_crm,
            ({{ as_of_date() }})::text as as_of_date
            {%- if first_month %},
            date_trunc('month', least(
                (select min(local_date) from {{ ref('fct_calls') }}
                 where customer_id is not null and entered_at < {{ as_of() }}),
                (select {{ local_date('min(received_at)') }} from {{ ref('base_crm__complaints') }} where received_at < {{ as_of() }}),
                (select {{ local_date('min(reported_at)') }} from {{ ref('base_field_service__work_orders') }} where reported_at < {{ as_of() }}),
                (select {{ local_date('min(invoiced_at)') }} from {{ ref('base_crm__invoices') }} where invoiced_at < {{ as_of() }}),
                (select {{ local_date('min(surveyed_at)') }} from {{ ref('base_crm__surveys') }} where surveyed_at < {{ as_of() }})
            ))::date::text as first_month
            {%- endif %}
    {%- endset -%}
    {%- set table = run_query(sql) -%}
    {%- set marks = {'version': _customers_marks_version()} -%}
    {%- for name in table.column_names -%}
        {%- set value = table.columns[name].values()[0] -%}
        {%- do marks.update({name: (value | int) if name not in ('as_of_date', 'first_month') else (none if value is none else value | string)}) -%}
    {%- endfor -%}
    {{ return(marks) }}
{%- endmacro %}

{#
    What this build of the model does (dict), or none while parsing:
      now     the marks to store;
      stored  the marks of the last build (none when there is none);
      all     recompute every customer (first build, --full-refresh, or a reason above).
#}
{% macro customers_incremental_plan(first_month=false) -%}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {%- set now = customers_marks_now(first_month=first_month) -%}
    {%- if not is_incremental() -%}{{ return({'now': now, 'stored': none, 'all': true}) }}{%- endif -%}
    {%- set marks_table = customers_marks_relation() -%}
    {%- set stored = none -%}
    {%- if adapter.get_relation(database=marks_table.database, schema=marks_table.schema, identifier=marks_table.identifier) -%}
        {%- set rows = run_query("select marks::text from " ~ marks_table ~ " where relation = '"
                                 ~ this.schema ~ "." ~ this.identifier ~ "'").rows -%}
        {%- if rows -%}{%- set stored = fromjson(rows[0][0]) -%}{%- endif -%}
    {%- endif -%}
    {%- set rebuild = stored is none
        or stored.keys() | sort != now.keys() | sort
        or stored['version'] != now['version']
        or (first_month and stored['first_month'] != now['first_month']) -%}
    {%- if not rebuild -%}
        {%- set rebuild = run_query(
            "select exists (select 1 from " ~ source('audit', 'load_batches')
            ~ " where status = 'replaced' and replaced_by > " ~ stored['seen'] ~ ")").columns[0].values()[0] -%}
    {%- endif -%}
    {{ return({'now': now, 'stored': stored, 'all': rebuild}) }}
{%- endmacro %}

{# Rows of an input whose timestamp lies between the stored and the new as of (either way). #}
{% macro _customers_as_of_moved(column, plan) -%}
    {%- set dates = [plan['stored']['as_of_date'], plan['now']['as_of_date']] | sort -%}
    {{ column }} >= ((date '{{ dates[0] }}' + 1)::timestamp at time zone '{{ var("centre_tz") }}')
        and {{ column }} < ((date '{{ dates[1] }}' + 1)::timestamp at time zone '{{ var("centre_tz") }}')
{%- endmacro %}

{#
    Pre-hook: stage the customers to recompute in `customers_affected` (temporary, dropped at
    commit), each with the first day (`monthly`: month) of its rows that can have changed, and
    delete those rows; everything when the plan says all. A customer that called tonight is
    recomputed from tonight's date on, not over its whole history (at a year that read 20 % of
    all calls every night: 42 000 customers); what can move any of its rows (its file, a number
    it holds) recomputes it from the start ('-infinity'). `monthly` (customer_monthly): the
    months after the new as-of month go too (a re-run with an earlier as of).
#}
{% macro customers_incremental_prepare(monthly=false) -%}
    {%- set plan = customers_incremental_plan(first_month=monthly) -%}
    {%- if plan is none or not is_incremental() -%}
        select 1 as nothing_to_prepare
    {%- elif plan['all'] -%}
        delete from {{ this }}
    {%- else -%}
        {%- set s = plan['stored'] -%}
        {%- set n = plan['now'] -%}
        {%- set whole = "'-infinity'::date" -%}
        -- the model's select reads the affected customers' rows by (customer_id, date) indexes:
        -- allowed a merge join, the planner walked fct_calls' whole customer index in order (5 M
        -- random heap reads: the select took 20.5 s at a year of `large`) instead of probing it
        -- per customer. For this model's transaction only.
        set local enable_mergejoin = off;
        drop table if exists pg_temp.customers_affected;
        create temporary table customers_affected on commit drop as
        with
        changed_files as (
            select customer_id, {{ whole }} as from_date
            from {{ ref('base_crm__customers') }} where _batch_id > {{ s['customers'] }}
        ),
        changed_entities as (
            {%- for model, key, raw, ts, mark in [
                    ('base_crm__invoices', 'invoice_id', source('crm', 'crm_invoices'), 'invoiced_at', 'invoices'),
                    ('base_crm__complaints', 'complaint_id', source('crm', 'crm_complaints'), 'received_at', 'complaints'),
                    ('base_crm__surveys', 'survey_id', source('crm', 'crm_surveys'), 'surveyed_at', 'surveys'),
                    ('base_field_service__work_orders', 'work_order_id', source('field_service', 'work_orders'), 'reported_at', 'work_orders')] %}
            select customer_id, {{ local_date(ts) }} as from_date from {{ ref(model) }} where _batch_id > {{ s[mark] }}
            union all
            select versions.customer_id, {{ local_date('versions.' ~ ts) }} from {{ raw }} as versions
            where versions.{{ key }} in (select {{ key }} from {{ ref(model) }} where _batch_id > {{ s[mark] }})
            {{- "\n            union all" if not loop.last }}
            {%- endfor %}
        ),
        reattributed_files as (
            select distinct customer_id from {{ source('crm', 'crm_customers') }}
            where _batch_id > {{ s['calls_crm'] }} and _batch_id <= {{ n['calls_crm'] }}
        ),
        reattributed_numbers as (
            select distinct {{ crm_phone_digits('versions.phone') }} as phone_digits
            from {{ source('crm', 'crm_customers') }} as versions
            where versions.customer_id in (select customer_id from reattributed_files)
        ),
        calls as (
            select customer_id, local_date as from_date from {{ ref('fct_calls') }} where source_batch_id > {{ s['calls'] }}
            union all
            select customer_id, {{ whole }} from reattributed_files
            union all
            select holders.customer_id, {{ whole }} from {{ ref('base_crm__customers') }} as holders
            where {{ crm_phone_digits('holders.phone') }} in (select phone_digits from reattributed_numbers)
        ),
        as_of_moved as (
            {%- if s['as_of_date'] != n['as_of_date'] %}
            select customer_id, local_date as from_date from {{ ref('fct_calls') }}
            where local_date > least(date '{{ s['as_of_date'] }}', date '{{ n['as_of_date'] }}')
                and local_date <= greatest(date '{{ s['as_of_date'] }}', date '{{ n['as_of_date'] }}') + 1
                and {{ _customers_as_of_moved('entered_at', plan) }}
            {%- for model, ts in [('base_crm__invoices', 'invoiced_at'), ('base_crm__complaints', 'received_at'),
                                  ('base_crm__surveys', 'surveyed_at'), ('base_field_service__work_orders', 'reported_at')] %}
            union all
            select customer_id, {{ local_date(ts) }} from {{ ref(model) }} where {{ _customers_as_of_moved(ts, plan) }}
            {%- endfor %}
            {%- else %}
            select null::text as customer_id, null::date as from_date where false
            {%- endif %}
        ),
        changes as (
            select customer_id, from_date from changed_files
            union all select customer_id, from_date from changed_entities
            union all select customer_id, from_date from calls
            union all select customer_id, from_date from as_of_moved
        )
        -- a change without a date (a version with no event time) changes no row of the models
        -- named `customer` / `since`, not customer_id: the models' filters are subqueries over
        -- this table, where an unqualified customer_id of the outer input would resolve to it
        select customer_id as customer, {{ "date_trunc('month', min(from_date))::date" if monthly else 'min(from_date)' }} as since
        from changes
        where customer_id is not null and from_date is not null
        group by customer_id;
        analyze customers_affected;
        delete from {{ this }} as stored
        using customers_affected as affected
        where stored.customer_id = affected.customer
            and stored.{{ 'month' if monthly else 'activity_date' }} >= affected.since;
        {%- if monthly %}
        delete from {{ this }} where month > date_trunc('month', date '{{ n['as_of_date'] }}')::date
        {%- else %}
        select 1 as nothing_more
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{# Post-hook: store the marks this build saw (same transaction as its rows). #}
{% macro customers_incremental_store(first_month=false) -%}
    {%- if not execute -%}
        select 1 as nothing_to_store
    {%- else -%}
        {#- the marks only: the stored ones and the replaced-batch check are the plan's business -#}
        {%- set now = customers_marks_now(first_month=first_month) -%}
        {%- set marks_table = customers_marks_relation() -%}
        -- two models' hooks may create it at once: the loser of that race finds it made
        do $$
        begin
            create table if not exists {{ marks_table }} (
                relation text primary key,
                marks    jsonb not null,
                built_at timestamptz not null default now()
            );
        exception when unique_violation or duplicate_table then null;
        end $$;
        insert into {{ marks_table }} (relation, marks, built_at)
        values ('{{ this.schema }}.{{ this.identifier }}', '{{ tojson(now) }}'::jsonb, now())
        on conflict (relation) do update set marks = excluded.marks, built_at = excluded.built_at
    {%- endif -%}
{%- endmacro %}

{#
    SQL filter of an input's rows: those of the customers to recompute, on or after their first
    day (month) to recompute — `column` the input's date (`timestamp`: a timestamptz, compared
    from local midnight); true when the plan says all (or while parsing).
#}
{% macro customers_in_affected(customer, column, plan, timestamp=false) -%}
    {%- if plan is none or plan['all'] -%}
        true
    {%- else -%}
        exists (
            select 1 from customers_affected as affected
            where affected.customer = {{ customer }}
                and {{ column }} >= {{ "(affected.since::timestamp at time zone '" ~ var('centre_tz') ~ "')" if timestamp else 'affected.since' }}
        )
    {%- endif -%}
{%- endmacro %}

{#
    Post-hook of incremental models: create the indexes of the model's config that its table
    lacks. dbt creates them only when it creates the table, so an index added to an
    incremental model in a release would never reach an existing installation.
#}
{% macro ensure_config_indexes() -%}
    {%- set indexes = config.get('indexes') or [] -%}
    {%- if not indexes -%}
        select 1 as no_indexes
    {%- else -%}
        {%- for index in indexes %}
        do $$
        begin
            if not exists (
                select 1
                from pg_index as i
                where i.indrelid = '{{ this }}'::regclass
                    and i.indisunique = {{ 'true' if index.get('unique') else 'false' }}
                    and (
                        select array_agg(a.attname::text order by k.n)
                        from unnest(i.indkey::int2[]) with ordinality as k (attnum, n)
                        join pg_attribute as a on a.attrelid = i.indrelid and a.attnum = k.attnum
                    ) = array[{%- for c in index['columns'] -%}'{{ c }}'{{ ", " if not loop.last }}{%- endfor -%}]::text[]
            ) then
                create {{ 'unique ' if index.get('unique') }}index on {{ this }}
                    {%- if index.get('type') %} using {{ index['type'] }}{% endif %} ({{ index['columns'] | join(', ') }});
            end if;
        end $$;
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}

{#
    customer_monthly's month grid: each customer's months from its opening month (or the first
    month with any data, or `first`, whichever is latest) to `last` (default: the as-of month).
    `join`: which customers. Reads the model's CTEs `customers` and `data_months`.
#}
{% macro customer_month_grid(first=none, last=none, join='') %}
    select
        customers.customer_id,
        customers.customer_type,
        customers.region,
        series.month::date as month
    from customers
    {{ join }}
    cross join data_months
    cross join lateral generate_series(
        greatest(date_trunc('month', customers.created_date)::date, data_months.first_month{{ ', ' ~ first if first }}),
        {{ last or "date_trunc('month', " ~ as_of_date() ~ ")::date" }},
        interval '1 month'
    ) as series (month)
    where data_months.first_month is not null
{%- endmacro %}
