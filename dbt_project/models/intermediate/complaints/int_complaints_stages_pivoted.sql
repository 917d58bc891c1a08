-- Hours each complaint spent in each stage of the process (投诉处理流程), from its status
-- history: a status lasts until the next change; the last one until as of (or not at all
-- when it is closed). One row per complaint that has any history.
with

history as (
    select
        complaint_id,
        status,
        changed_at
    from {{ ref('stg_crm__complaint_status_history') }}
),

spans as (
    select
        complaint_id,
        status,
        changed_at,
        coalesce(
            lead(changed_at) over (partition by complaint_id order by changed_at, status),
            case when status <> 'closed' then greatest({{ as_of() }}, changed_at) end
        ) as ended_at
    from history
),

final as (
    select
        complaint_id,
        min(changed_at) as first_status_at,
        max(changed_at) as last_status_at,
        count(*) as status_changes,
        count(*) filter (where status = 'reopened') as reopenings_in_history,
        min(changed_at) filter (where status = 'acknowledged') as first_acknowledged_at,
        min(changed_at) filter (where status = 'investigating') as first_investigating_at,
        max(changed_at) filter (where status = 'resolved') as last_resolved_at,
        max(changed_at) filter (where status = 'closed') as last_closed_at,
        {% for stage in ['open', 'acknowledged', 'investigating', 'resolved', 'reopened'] %}
        coalesce(
            round(sum(extract(epoch from ended_at - changed_at)) filter (where status = '{{ stage }}') / 3600, 4),
            0
        ) as hours_{{ stage }}{{ ',' if not loop.last }}
        {% endfor %}
    from spans
    group by complaint_id
)

select * from final
