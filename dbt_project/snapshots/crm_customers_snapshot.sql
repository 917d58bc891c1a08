{#
    History of the customer file (客户档案变更历史) for dim_customer_history: a new version
    whenever the CRM's updated_at moves. Personal data (phone, e-mail, ID number, address) is
    left out: the history reaches the marts.
#}
{% snapshot crm_customers_snapshot %}
    {{
        config(
            unique_key='customer_id',
            strategy='timestamp',
            updated_at='updated_at',
            hard_deletes='invalidate',
        )
    }}

    select
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
        updated_at
    from {{ ref('stg_crm__customers') }}
{% endsnapshot %}
