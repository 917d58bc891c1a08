-- One row per agent (座席员, team lead, supervisor, QA inspector, technician): the latest version.
-- `extension` (e.g. SIP/8001) and `queue_member_name` are the two names queue_log uses for an
-- agent; the call-centre models resolve queue_log agents through them.
with

latest as (
    {{ crm_latest_version(source('crm', 'crm_agents'), 'agent_id') }}
),

final as (
    select
        agent_id,
        agent_name,
        team,
        lower(trim(role)) as role,
        nullif(trim(extension), '') as extension,
        nullif(trim(queue_member_name), '') as queue_member_name,
        hired_at,
        left_at,
        {{ local_date('hired_at') }} as hired_date,
        {{ local_date('left_at') }} as left_date,
        updated_at,
        _batch_id,
        _logical_date
    from latest
)

select * from final
