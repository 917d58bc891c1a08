{{
    config(
        unique_key='complaint_id',
        indexes=[{'columns': ['complaint_id'], 'unique': true}, {'columns': ['_batch_id']},
                 {'columns': ['customer_id', 'received_at']}, {'columns': ['received_at']}],
        pre_hook="{{ crm_latest_version_reset(source('crm', 'crm_complaints'), batch_source='crm') }}",
    )
}}
-- One row per complaint: its latest live version, kept incrementally (macros/crm_latest_version.sql).
{{ crm_latest_version(source('crm', 'crm_complaints'), 'complaint_id', incremental=is_incremental()) }}
