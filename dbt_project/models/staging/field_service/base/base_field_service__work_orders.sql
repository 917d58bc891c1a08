{{
    config(
        unique_key='work_order_id',
        indexes=[{'columns': ['work_order_id'], 'unique': true}, {'columns': ['_batch_id']},
                 {'columns': ['customer_id', 'reported_at']}, {'columns': ['reported_at']}],
        pre_hook="{{ crm_latest_version_reset(source('field_service', 'work_orders'), batch_source='repairs', exclude=['document']) }}",
    )
}}
-- One row per work order: its latest live version, kept incrementally (macros/crm_latest_version.sql).
-- The JSON document stays in raw (the auditors' original); no model reads it.
{{ crm_latest_version(source('field_service', 'work_orders'), 'work_order_id', incremental=is_incremental(),
                      exclude=['document']) }}
