-- Runs once, when the PostgreSQL volume is first created: the three databases the product uses.
-- (The init service's `svcwh warehouse start` creates them too if missing, and the schemas and roles.)
create database warehouse;
create database crm;
create database airflow;
