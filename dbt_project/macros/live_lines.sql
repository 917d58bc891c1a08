{#
    The rows of a raw file table (call-centre files) that belong to live (`loaded`) batches, with
    the same line delivered in two batches (a rotated file overlapping a day, a corrected file)
    kept once, from the later batch. Identical lines inside one batch are all kept: they are real
    events. `columns` are the raw columns that make up a line's identity; row()::text tells NULL
    from '' apart. An anti-join, not a window filter: the planner estimates it well at scale.
#}
{% macro live_lines_deduplicated(relation, columns) -%}
    with

    live as (
        select raw_rows.*
        from {{ relation }} as raw_rows
        inner join {{ source('audit', 'load_batches') }} as batches
            on raw_rows._batch_id = batches.batch_id
        where batches.status = 'loaded'
    ),

    fingerprinted as (
        select
            live.*,
            md5(row({{ columns | join(', ') }})::text) as _line_fingerprint
        from live
    )

    select fingerprinted.*
    from fingerprinted
    where not exists (
        select 1
        from fingerprinted as later_copy
        where later_copy._line_fingerprint = fingerprinted._line_fingerprint
            and later_copy._batch_id > fingerprinted._batch_id
    )
{%- endmacro %}
