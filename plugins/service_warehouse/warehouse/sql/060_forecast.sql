-- Forecast vintages (客户需求预测): what the nightly forecast step wrote, kept outside the blue/green
-- build schemas so that no build ever drops them. Append-only by vintage: a night's run writes
-- (or, re-run, rewrites) only its own `forecast_made_on`; earlier vintages are never touched
-- (service_warehouse.forecast refuses to rewrite one). The demand marts read these tables as the
-- dbt source `forecast`.
create schema if not exists forecast;

-- One row per vintage: the night it was made for and the run that made it.
create table if not exists forecast.vintages (
    forecast_made_on date primary key,  -- the last loaded local day; forecasts start the day after
    run_id text not null,
    build_schema text not null,         -- the marts build whose actuals it was made from
    series integer not null,
    policy jsonb not null,              -- the forecast_policy values it used
    created_at timestamptz not null default now()
);

-- Daily forecasts: series × method × target day, for every vintage.
create table if not exists forecast.daily_forecasts (
    forecast_made_on date not null references forecast.vintages on delete cascade,
    series_id text not null,            -- calls:<queue> | complaints:<category> | repairs:<category>:<urgency>
    series_kind text not null,          -- calls | complaints | repairs
    queue text,
    category text,
    urgency text,
    method text not null,
    local_date date not null,           -- the day forecast
    horizon_days integer not null,      -- local_date − forecast_made_on
    forecast double precision not null,
    lower_80 double precision,          -- 80 % prediction interval (NULL: the method gives none)
    upper_80 double precision,
    is_champion boolean not null,       -- the method the backtest picked for this series and vintage
    primary key (forecast_made_on, series_id, method, local_date)
);

-- The rolling-origin backtest of each vintage, as error sums per series × method × horizon
-- bucket × month of the day forecast (what the champion was picked on).
create table if not exists forecast.backtest_errors (
    forecast_made_on date not null references forecast.vintages on delete cascade,
    series_id text not null,
    series_kind text not null,
    queue text,
    category text,
    urgency text,
    method text not null,
    horizon_bucket integer not null,    -- 1, 7, 14, 28: days ahead ≤ bucket
    month date not null,
    n integer not null,
    sum_error double precision not null,      -- error = forecast − actual
    sum_abs_error double precision not null,
    sum_sq_error double precision not null,
    sum_actual double precision not null,
    sum_abs_pct_error double precision not null,  -- over days with actual > 0
    n_pct integer not null,
    primary key (forecast_made_on, series_id, method, horizon_bucket, month)
);

-- Intraday call forecast and Erlang C staffing: queue × interval, for every vintage.
create table if not exists forecast.intraday_forecasts (
    forecast_made_on date not null references forecast.vintages on delete cascade,
    queue text not null,
    interval_start timestamptz not null,
    local_date date not null,
    interval_minutes integer not null,
    forecast_calls double precision not null,
    forecast_aht_seconds double precision not null,
    traffic_erlangs double precision not null,
    agents_required integer not null,
    forecast_service_level double precision,
    forecast_asa_seconds double precision,
    occupancy double precision,
    scheduled_headcount integer not null,
    service_level_target double precision not null,
    service_level_threshold_seconds double precision not null,
    occupancy_cap double precision not null,
    shrinkage double precision not null,
    primary key (forecast_made_on, queue, interval_start)
);

revoke all on schema forecast from public;
grant usage, create on schema forecast to transformer;
grant select, insert, delete on all tables in schema forecast to transformer;
alter default privileges in schema forecast grant select, insert, delete on tables to transformer;
grant usage on schema forecast to auditor;
grant select on all tables in schema forecast to auditor;
