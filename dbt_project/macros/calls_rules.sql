{#
    The call-centre business rules, in one place so that the model and the incremental drift
    check apply the same definition (marts.md "Exact boundaries › Calls").
#}

{#
    Outcome of a queue call: answered when it reached CONNECT; otherwise from its exit event;
    ABANDON splits on the short-abandon threshold (wait < threshold is short; an ABANDON without
    a waittime counts as abandoned: we cannot show it was short). NULL when there is no exit event
    (still in flight, lost in a restart, WITHDRAW, SYSCOMPAT).
#}
{% macro calls_outcome(exit_event, wait_seconds, is_connected) -%}
    case
        when {{ is_connected }} then 'answered'
        when {{ exit_event }} = 'ABANDON' then
            case
                when {{ wait_seconds }} < {{ policy('short_abandon_seconds') }} then 'short_abandon'
                else 'abandoned'
            end
        when {{ exit_event }} = 'EXITWITHTIMEOUT' then 'timeout'
        when {{ exit_event }} = 'EXITEMPTY' then 'exit_empty'
        when {{ exit_event }} = 'EXITWITHKEY' then 'exit_key'
    end
{%- endmacro %}

{# Answered with wait_seconds ≤ the service-level threshold; false (not NULL) otherwise. #}
{% macro calls_within_threshold(is_connected, wait_seconds) -%}
    coalesce({{ is_connected }} and {{ wait_seconds }} <= {{ policy('service_level_threshold_seconds') }}, false)
{%- endmacro %}
