{{
    config(
        unique_key='customer_id',
        indexes=[{'columns': ['customer_id'], 'unique': true}, {'columns': ['_batch_id']}],
        pre_hook="{{ crm_latest_version_reset(source('crm', 'crm_customers'), batch_source='crm') }}",
    )
}}
-- One row per customer file: its latest live version, kept incrementally (macros/crm_latest_version.sql).
{{ crm_latest_version(source('crm', 'crm_customers'), 'customer_id', incremental=is_incremental()) }}
