-- One row per customer: the latest extracted version of the customer file (客户档案).
-- Personal data (phone, e-mail, ID number, address) stays here and never reaches a mart;
-- the marts take the masked phone only.
with

latest as (
    select * from {{ ref('base_crm__customers') }}
),

final as (
    select
        customer_id,
        customer_name,
        lower(trim(customer_type)) as customer_type,
        industry,
        lower(trim(size_class)) as size_class,
        region,
        city,
        address,
        phone,
        {{ crm_phone_digits('phone') }} as phone_digits,
        {{ mask_phone('phone') }} as phone_masked,
        email,
        id_number,
        account_manager_id,
        credit_limit,
        coalesce(is_key_account, false) as is_key_account,
        lower(trim(status)) as status,
        created_at,
        {{ local_date('created_at') }} as created_date,
        updated_at,
        _batch_id,
        _logical_date
    from latest
)

select * from final
