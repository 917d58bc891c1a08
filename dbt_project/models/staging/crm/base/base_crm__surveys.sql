{{
    config(
        unique_key='survey_id',
        indexes=[{'columns': ['survey_id'], 'unique': true}, {'columns': ['_batch_id']},
                 {'columns': ['customer_id', 'surveyed_at']}, {'columns': ['surveyed_at']}],
        pre_hook="{{ crm_latest_version_reset(source('crm', 'crm_surveys'), batch_source='crm') }}",
    )
}}
-- One row per survey: its latest live version, kept incrementally (macros/crm_latest_version.sql).
{{ crm_latest_version(source('crm', 'crm_surveys'), 'survey_id', incremental=is_incremental()) }}
