-- Technician service points (服务点数) per local month of completion, over completed orders:
-- points by category coefficient, −penalty per safety incident (may go negative), points above
-- the monthly base paid at the point value; quarter rank by the quarter's points so far
-- (top 3 and places 4–8 are rewarded).
with

repairs as (
    select
        technician_id,
        completed_at,
        work_points,
        safety_incident
    from {{ ref('fct_repairs') }}
    where status = 'completed'
        and technician_id is not null
        and completed_at < {{ as_of() }}
),

policy as (
    select
        {{ policy('technician_base_points') }} as base_points,
        {{ policy('technician_point_value_cny') }} as point_value,
        {{ policy('safety_incident_penalty_points') }} as penalty_points
),

monthly as (
    select
        technician_id,
        {{ local_month('completed_at') }} as month,
        count(*) as orders,
        sum(work_points) as work_points,
        count(*) filter (where safety_incident) as safety_incidents
    from repairs
    group by 1, 2
),

scored as (
    select
        monthly.technician_id,
        monthly.month,
        date_trunc('quarter', monthly.month)::date as quarter,
        monthly.orders,
        monthly.work_points,
        monthly.safety_incidents,
        monthly.work_points - policy.penalty_points * monthly.safety_incidents as points_after_penalty,
        greatest(0, monthly.work_points - policy.penalty_points * monthly.safety_incidents - policy.base_points)
            as points_over_base,
        greatest(0, monthly.work_points - policy.penalty_points * monthly.safety_incidents - policy.base_points)
            * policy.point_value as bonus_amount
    from monthly
    cross join policy
),

quarterly as (
    -- the quarter's points so far per technician, ranked among the quarter's technicians
    select
        technician_id,
        quarter,
        quarter_points,
        rank() over (partition by quarter order by quarter_points desc) as quarter_rank
    from (
        select technician_id, quarter, sum(points_after_penalty) as quarter_points
        from scored
        group by technician_id, quarter
    ) as technician_quarters
),

final as (
    select
        scored.technician_id,
        scored.month,
        scored.quarter,
        scored.orders,
        scored.work_points,
        scored.safety_incidents,
        scored.points_after_penalty,
        scored.points_over_base,
        scored.bonus_amount,
        quarterly.quarter_points,
        quarterly.quarter_rank,
        case
            when quarterly.quarter_rank <= 3 then 'top_3'
            when quarterly.quarter_rank <= 8 then 'places_4_8'
        end as quarter_reward_band
    from scored
    inner join quarterly
        on quarterly.technician_id = scored.technician_id
        and quarterly.quarter = scored.quarter
)

select * from final
