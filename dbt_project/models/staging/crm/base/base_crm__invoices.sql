{{
    config(
        unique_key='invoice_id',
        indexes=[{'columns': ['invoice_id'], 'unique': true}, {'columns': ['_batch_id']},
                 {'columns': ['customer_id', 'invoiced_at']}, {'columns': ['invoiced_at']}],
        pre_hook="{{ crm_latest_version_reset(source('crm', 'crm_invoices'), batch_source='crm') }}",
    )
}}
-- One row per invoice: its latest live version, kept incrementally (macros/crm_latest_version.sql).
{{ crm_latest_version(source('crm', 'crm_invoices'), 'invoice_id', incremental=is_incremental()) }}
