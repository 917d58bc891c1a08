-- One row per survey / callback (回访): the latest extracted version. Scores are 1–5, NPS 0–10.
with

latest as (
    select * from {{ ref('base_crm__surveys') }}
),

customers as (
    select customer_id from {{ ref('stg_crm__customers') }}
),

final as (
    select
        latest.survey_id,
        latest.customer_id,
        lower(trim(latest.subject_type)) as subject_type,
        latest.subject_id,
        lower(trim(latest.channel)) as channel,
        latest.surveyed_at,
        {{ local_date('latest.surveyed_at') }} as surveyed_date,
        latest.score_attitude,
        latest.score_efficiency,
        latest.score_quality,
        latest.score_resolution,
        latest.score_overall,
        latest.nps_score,
        latest.comment,
        latest.customer_id is not null
            and not exists (select 1 from customers where customers.customer_id = latest.customer_id)
            as is_unknown_customer,
        latest.updated_at,
        latest._batch_id,
        latest._logical_date
    from latest
)

select * from final
