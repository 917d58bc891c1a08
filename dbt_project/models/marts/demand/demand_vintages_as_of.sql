-- The forecast vintages this build may show: those made up to the build's as-of date (a build
-- of an older day never shows a later forecast), the latest of them flagged.
{{ config(materialized='ephemeral', contract={'enforced': false}) }}

with

vintages as (
    select * from {{ source('forecast', 'vintages') }}
),

kept as (
    select forecast_made_on, run_id
    from vintages
    where forecast_made_on <= {{ as_of_date() }}
),

final as (
    select
        forecast_made_on,
        run_id,
        forecast_made_on = max(forecast_made_on) over () as is_latest
    from kept
)

select * from final
