{#
    Schemas by layer, without dbt's default "<target>_<custom>" prefixing: staging → staging,
    intermediate → intermediate, seeds → seeds, snapshots → snapshots. The marts go to the BUILD
    schema (SVCWH_BUILD_SCHEMA: marts_blue or marts_green), never to `marts`, which holds only the
    views the publish step points at the last build that passed the gate.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif custom_schema_name | trim == 'marts' -%}
        {%- set build = env_var('SVCWH_BUILD_SCHEMA', 'marts_blue') | trim -%}
        {%- if build not in ('marts_blue', 'marts_green') -%}
            {{ exceptions.raise_compiler_error("SVCWH_BUILD_SCHEMA must be marts_blue or marts_green, not '" ~ build ~ "'") }}
        {%- endif -%}
        {{ build }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
