{#
    The rows of a raw file table (call-centre files) that belong to live (`loaded`) batches, with
    the same line delivered in two batches (a rotated file overlapping a day, a corrected file)
    kept once, from the later batch. Identical lines inside one batch are all kept: they are real
    events. `columns` are the raw columns that make up a line's identity (row()::text tells NULL
    from '' apart).

    `probe` is an expression over `{t}` (the table alias) that an index of the raw table covers
    and that a copy of a line shares (queue_log: `{t}.event_epoch`; cdr:
    `coalesce({t}.uniqueid, '')`): the anti-join probes that index, so a query for a few dates
    reads only those dates' lines and their copies and the nightly cost does not grow with
    history. (A fingerprint CTE read twice would be materialised over every line ever loaded on
    each query: docs/DECISIONS.md, "Performance".)
#}
{% macro live_lines_deduplicated(relation, columns, probe) -%}
    with

    live as (
        select raw_rows.*
        from {{ relation }} as raw_rows
        inner join {{ source('audit', 'load_batches') }} as batches
            on raw_rows._batch_id = batches.batch_id
        where batches.status = 'loaded'
    )

    select live.*
    from live
    -- a lateral probe with LIMIT, not NOT EXISTS: PostgreSQL may turn an anti-join into a hash of
    -- the whole raw table (it did at 364 days of large: 30 M rows hashed to de-duplicate five
    -- days, 20–38 s a query, while the 90-day plan probed the index); a lateral subquery with
    -- LIMIT can only be probed row by row through the index
    left join lateral (
        select true as is_copied_later
        from {{ relation }} as later_copy
        inner join {{ source('audit', 'load_batches') }} as later_batch
            on later_copy._batch_id = later_batch.batch_id
        where later_batch.status = 'loaded'
            and {{ probe | replace('{t}', 'later_copy') }} = {{ probe | replace('{t}', 'live') }}
            and later_copy._batch_id > live._batch_id
            and row(later_copy.{{ columns | join(', later_copy.') }})::text
                = row(live.{{ columns | join(', live.') }})::text
        limit 1
    ) as later on true
    where later.is_copied_later is null
{%- endmacro %}
