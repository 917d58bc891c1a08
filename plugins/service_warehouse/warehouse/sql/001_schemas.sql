-- The warehouse's schemas. Applied on every start; everything here is idempotent.
--   raw           landed source data, one table per source entity, every row with its batch
--   audit         load batches, quarantine, watermarks, validations, publications
--   staging       dbt views over raw (typed, renamed, deduplicated)
--   intermediate  dbt models not exposed to dashboards
--   snapshots     dbt snapshots (customer file history)
--   marts_blue / marts_green  the two build schemas that dbt writes the marts into, in turn
--   marts         what dashboards read: views onto the last build that passed the gate
create schema if not exists raw;
create schema if not exists audit;
create schema if not exists staging;
create schema if not exists intermediate;
create schema if not exists snapshots;
create schema if not exists marts_blue;
create schema if not exists marts_green;
create schema if not exists marts;
