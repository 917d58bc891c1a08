{#- calls_resolve_agent() looks each call's member name up here (200 000 calls a night in
    fct_calls): by index, not by a scan of every alias per call (16 s a night before) -#}
{{ config(indexes=[{'columns': ['alias']}]) }}
-- The names queue_log uses for an agent, one row per (alias, agent): the queue member name
-- (call and pause events) and the interface / extension (ADDMEMBER / REMOVEMEMBER, and the
-- default member name). Resolution picks among them with calls_resolve_agent().
with

agents as (
    select * from {{ ref('stg_crm__agents') }}
),

aliases as (
    select queue_member_name as alias, 'member_name' as alias_kind, agent_id, hired_at, left_at
    from agents
    where queue_member_name is not null
    union all
    select extension as alias, 'interface' as alias_kind, agent_id, hired_at, left_at
    from agents
    where extension is not null
),

final as (
    select distinct alias, alias_kind, agent_id, hired_at, left_at
    from aliases
)

select * from final
