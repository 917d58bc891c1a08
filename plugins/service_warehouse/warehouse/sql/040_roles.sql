-- Who may read what. Roles are cluster-wide (created once, idempotently); grants are per
-- database and re-applied on every start. Passwords are not set here: on the embedded server
-- (trust authentication) roles need none; elsewhere `service_warehouse.publish.apply_role_passwords()`
-- sets them from SVCWH_<ROLE>_PASSWORD.
--   loader       writes raw and audit (the land tasks)
--   transformer  reads raw and audit, writes staging … and the build schemas, publishes marts
--   bi_reader    reads marts only (dashboards)
--   auditor      reads marts and audit
do $$
declare
    role_name text;
begin
    foreach role_name in array array['loader', 'transformer', 'bi_reader', 'auditor'] loop
        if not exists (select 1 from pg_roles where rolname = role_name) then
            begin
                execute format('create role %I login', role_name);
            exception when duplicate_object or unique_violation then
                null;  -- another session created it between the check and the create
            end;
        end if;
    end loop;
end
$$;

-- dbt creates `seeds` on its first run; the grants below need it now.
create schema if not exists seeds;

-- Nobody but the roles below reaches the warehouse's schemas.
revoke all on schema raw, audit, staging, intermediate, snapshots, seeds, marts_blue, marts_green, marts
    from public;

-- loader: raw and audit, read and write
grant usage, create on schema raw, audit to loader;
grant select, insert, update, delete on all tables in schema raw, audit to loader;
grant usage, select on all sequences in schema raw, audit to loader;
alter default privileges in schema raw, audit grant select, insert, update, delete on tables to loader;
alter default privileges in schema raw, audit grant usage, select on sequences to loader;

-- transformer: reads raw and audit; owns what dbt builds; records validations and publications
grant usage on schema raw, audit to transformer;
grant select on all tables in schema raw, audit to transformer;
grant insert, update on audit.validation_runs, audit.validations, audit.publications to transformer;
grant usage, select on all sequences in schema audit to transformer;
grant usage, create on schema staging, intermediate, snapshots, seeds, marts_blue, marts_green, marts
    to transformer;
alter default privileges in schema raw, audit grant select on tables to transformer;

-- bi_reader: the published marts only
grant usage on schema marts to bi_reader;
grant select on all tables in schema marts to bi_reader;
alter default privileges in schema marts grant select on tables to bi_reader;

-- auditor: the published marts and the audit trail
grant usage on schema marts, audit to auditor;
grant select on all tables in schema marts, audit to auditor;
alter default privileges in schema marts, audit grant select on tables to auditor;
