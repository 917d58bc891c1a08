{# Digits of a phone number only; '' and NULL give NULL: a number without digits matches none. #}
{% macro calls_digits(column) -%}
    nullif(regexp_replace(coalesce({{ column }}, ''), '[^0-9]', '', 'g'), '')
{%- endmacro %}

{# A queue_log data field as an integer; anything that is not a plain integer gives NULL. #}
{% macro calls_int(column) -%}
    case when trim({{ column }}) ~ '^-?[0-9]{1,9}$' then trim({{ column }})::integer end
{%- endmacro %}

{#
    The CRM agent behind a queue_log member name at a moment: queue_log writes the member name
    for call events but the interface (SIP/8001) for ADDMEMBER / REMOVEMEMBER, and a member
    name defaults to the interface, so both are aliases. A name reused after someone left goes
    to whoever was employed at the time; then member names before interfaces, then the latest
    hired, then the smallest id (deterministic).
#}
{% macro calls_resolve_agent(member_name, at) -%}
    (
        select aliases.agent_id
        from {{ ref('int_calls_agent_aliases') }} as aliases
        where aliases.alias = {{ member_name }}
        order by
            (coalesce(aliases.hired_at, '-infinity') <= {{ at }}
                and {{ at }} < coalesce(aliases.left_at, 'infinity')) desc,
            (aliases.alias_kind = 'member_name') desc,
            aliases.hired_at desc nulls last,
            aliases.agent_id
        limit 1
    )
{%- endmacro %}
