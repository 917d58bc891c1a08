{#
    The latest extracted version of each row of a raw table that holds one row per extracted
    version (CRM tables, work orders): greatest `order_by` wins, then the later logical date,
    batch and line. Only rows of batches that are live (`loaded`) count, so a replaced or
    failed batch never leaks into the marts. The result has the raw table's columns, less
    `exclude` (a column no model reads: the work orders' JSON document, 900 of the 1 400 bytes of
    a row, made every read of the work orders read 7 times what it used).

    `incremental=true` (the staging `base_*` tables): the model's own table already holds the
    latest versions up to its high-water batch, so only versions of newer live batches are read,
    ranked against the stored row of the same key, and the winner replaces it (the model's
    delete+insert on `key`). Equal to the full ranking row for row
    (tests/dbt/test_crm_base_incremental.py). It relies on what the loaders do: a batch is only
    ever added, or replaced by a newer one; the pre-hook `crm_latest_version_reset` empties the
    table when a batch was replaced since it was built, or when the raw columns changed.
    Measured (docs/benchmarks.md): ranking every version cost 2.3 s a read for work orders at a
    year of `large`, and ten models and tests read it each night.
#}
{% macro crm_latest_version(relation, key, order_by='updated_at', incremental=false, exclude=[]) -%}
    {%- set incremental = incremental and _crm_stored_columns_current(relation, exclude) -%}
    {%- set columns = _crm_columns(relation, exclude) if exclude else [] -%}
    with

    live_batches as (
        select batch_id from {{ source('audit', 'load_batches') }} where status = 'loaded'
    ),

    new_versions as (
        select {% if columns %}{% for column in columns %}versions.{{ adapter.quote(column) }}{{ ", " if not loop.last }}{% endfor %}{% else %}versions.*{% endif %}
        from {{ relation }} as versions
        where versions._batch_id in (select batch_id from live_batches)
        {%- if incremental %}
            and versions._batch_id > (select coalesce(max(_batch_id), -1) from {{ this }})
        {%- endif %}
    ),

    candidates as (
        select * from new_versions
        {%- if incremental %}
        union all
        select stored.*
        from {{ this }} as stored
        where stored.{{ key }} in (select {{ key }} from new_versions)
        {%- endif %}
    ),

    final as (
        select distinct on (candidates.{{ key }}) candidates.*
        from candidates
        order by
            candidates.{{ key }},
            candidates.{{ order_by }} desc,
            candidates._logical_date desc,
            candidates._batch_id desc,
            candidates._line_number desc
    )

    select * from final
{%- endmacro %}

{# Pre-hook of the `base_*` tables: empty the table when a batch of `batch_source` was replaced
   since it was built (its `replaced_by` is newer than the table's high-water batch), or when the
   raw table's columns are no longer the stored ones; the model then ranks every live version.
   Emptied by TRUNCATE (a new, empty file), not DELETE: after a delete of every row the file kept
   its size and the rows written next went after the dead ones (911 MB for 100 MB of work orders
   at a year of `large`: every read of the table read all of it). Nothing reads a base table
   while it is built: every model of the night is downstream of it. #}
{% macro crm_latest_version_reset(relation, batch_source, exclude=[]) -%}
    {%- if not (execute and is_incremental()) -%}
        select 1 as nothing_to_reset
    {%- elif not _crm_stored_columns_current(relation, exclude) -%}
        truncate table {{ this }}
    {%- else -%}
        do $reset$
        begin
            if exists (
                select 1
                from {{ source('audit', 'load_batches') }} as batches
                where batches.source = '{{ batch_source }}'
                    and batches.status = 'replaced'
                    and batches.replaced_by > (select coalesce(max(_batch_id), -1) from {{ this }})
            ) then
                truncate table {{ this }};
            end if;
        end
        $reset$
    {%- endif -%}
{%- endmacro %}

{# Whether the model's table has the raw table's columns less `exclude`, in the same order
   (false while parsing). #}
{% macro _crm_stored_columns_current(relation, exclude=[]) -%}
    {%- if not execute -%}{{ return(false) }}{%- endif -%}
    {%- set stored = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {{ return(_crm_columns(relation, exclude) == stored) }}
{%- endmacro %}

{# The raw table's column names less `exclude`, in order ([] while parsing). #}
{% macro _crm_columns(relation, exclude=[]) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
    {%- if not exclude -%}{{ return(names) }}{%- endif -%}
    {{ return(names | reject('in', exclude) | list) }}
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
