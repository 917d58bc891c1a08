-- The customer file's history (客户档案变更历史) from the dbt snapshot: one row per version,
-- valid from the CRM change that made it until the next (NULL while current).
with

snapshot as (
    select * from {{ ref('crm_customers_snapshot') }}
),

final as (
    select
        dbt_scd_id as customer_version_id,
        customer_id,
        customer_name,
        customer_type,
        industry,
        size_class,
        region,
        city,
        account_manager_id,
        credit_limit,
        is_key_account,
        status,
        created_at,
        dbt_valid_from as valid_from,
        dbt_valid_to as valid_to,
        dbt_valid_to is null as is_current
    from snapshot
)

select * from final
