-- Satisfaction (客户满意度) per local month × subject type (call / complaint / repair) from the
-- CRM surveys: csat is the top-2 box (score_overall ≥ 4) share, nps = %promoters (9–10) −
-- %detractors (0–6) over surveys with an nps_score, in points from −100 to 100.
with

surveys as (
    select * from {{ ref('stg_crm__surveys') }}
    where surveyed_at < {{ as_of() }}
),

final as (
    select
        {{ local_month('surveyed_at') }} as month,
        coalesce(subject_type, 'unknown') as subject_type,
        count(*) as surveys,
        (count(*) filter (where score_overall >= 4))::numeric / nullif(count(score_overall), 0) as csat,
        round(avg(score_attitude), 4) as mean_score_attitude,
        round(avg(score_efficiency), 4) as mean_score_efficiency,
        round(avg(score_quality), 4) as mean_score_quality,
        round(avg(score_resolution), 4) as mean_score_resolution,
        round(avg(score_overall), 4) as mean_score_overall,
        count(nps_score) as nps_responses,
        round(
            100.0 * (count(*) filter (where nps_score >= 9) - count(*) filter (where nps_score <= 6))
            / nullif(count(nps_score), 0),
            4
        ) as nps
    from surveys
    group by 1, 2
)

select * from final
