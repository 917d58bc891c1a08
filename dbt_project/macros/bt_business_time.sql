{#
    Business time (营业时间) as a clock that only runs inside business intervals.

    bt_business_intervals(first_day, last_day): one row per opening interval of every working
    local day in [first_day, last_day] — working days are workdays and 调休 adjusted working days
    from the calendar_days seed (days outside the seed: Monday–Friday), with the business_hours
    seed's workday intervals — and `cum_start_seconds` / `cum_end_seconds`, the business seconds
    elapsed on the clock at the interval's start / end since the first interval.

    bt_clock_positions(instants, intervals): for rows (key, at) of `instants`, `position_seconds`
    — the clock's reading at `at` (it stands still outside business hours; 0 before the first
    interval, e.g. a complaint received early on the first day of the range, after a weekend or
    holiday).

    bt_instants_at_positions(positions, intervals): for rows (key, position) of `positions`,
    `instant_at` — the first instant the clock shows `position`: the interval whose cum_end
    first reaches it, so a target that runs out exactly at closing ends at closing, and a clock
    started outside business hours starts at the next opening (NULL past the last interval).

    Both are one sorted pass over the instants and the intervals together (each instant takes
    the latest interval that started at or before it; each position the first interval whose
    cum_end reaches it), not a search of the intervals per instant: that was O(complaints ×
    intervals), and both grow with history (18 s at 90 days of the `large` preset, docs/benchmarks.md).
#}
{% macro bt_business_intervals(first_day, last_day) -%}
    select
        intervals.interval_start,
        intervals.interval_end,
        intervals.interval_seconds,
        coalesce(
            sum(intervals.interval_seconds) over (
                order by intervals.interval_start rows between unbounded preceding and 1 preceding
            ),
            0
        ) as cum_start_seconds,
        sum(intervals.interval_seconds) over (
            order by intervals.interval_start rows between unbounded preceding and current row
        ) as cum_end_seconds
    from (
        select
            (days.local_day + business_hours.open_time) at time zone '{{ var("centre_tz") }}' as interval_start,
            (days.local_day + business_hours.close_time) at time zone '{{ var("centre_tz") }}' as interval_end,
            extract(epoch from business_hours.close_time - business_hours.open_time) as interval_seconds
        from (
            select series.local_day::date as local_day
            from generate_series(({{ first_day }})::date, ({{ last_day }})::date, interval '1 day') as series (local_day)
        ) as days
        left join {{ ref('calendar_days') }} as calendar_days
            on calendar_days.calendar_date = days.local_day
        cross join {{ ref('business_hours') }} as business_hours
        where business_hours.day_type = 'workday'
            and coalesce(calendar_days.is_working_day, extract(isodow from days.local_day) < 6)
    ) as intervals
{%- endmacro %}

{% macro bt_clock_positions(instants, intervals) -%}
    select
        merged.key,
        coalesce(
            clock.cum_start_seconds
            + least(greatest(extract(epoch from merged.at - clock.interval_start), 0), clock.interval_seconds),
            0
        ) as position_seconds
    from (
        select
            sorted.key,
            sorted.at,
            sorted.is_instant,
            -- the latest interval start at or before the instant (an interval sorts before an
            -- instant at the same moment: the clock runs from its opening)
            max(sorted.interval_start) over (
                order by sorted.at, sorted.is_instant rows between unbounded preceding and current row
            ) as interval_start
        from (
            select key, at, true as is_instant, null::timestamptz as interval_start
            from {{ instants }}
            where at is not null
            union all
            select null, interval_start, false, interval_start
            from {{ intervals }}
        ) as sorted
    ) as merged
    left join {{ intervals }} as clock
        on clock.interval_start = merged.interval_start
    where merged.is_instant
{%- endmacro %}

{% macro bt_instants_at_positions(positions, intervals) -%}
    select
        merged.key,
        clock.interval_start + (merged.position - clock.cum_start_seconds) * interval '1 second' as instant_at
    from (
        select
            sorted.key,
            sorted.position,
            sorted.is_position,
            -- the first interval end at or after the position, as a running min in descending
            -- order (an interval end equal to a position sorts before it: a target that runs
            -- out at closing ends at closing). A frame from the current row to the end would be
            -- recomputed for every row: quadratic.
            min(sorted.cum_end_seconds) over (
                order by sorted.position desc, sorted.is_position rows between unbounded preceding and current row
            ) as cum_end_seconds
        from (
            select key, position, true as is_position, null::numeric as cum_end_seconds
            from {{ positions }}
            where position is not null
            union all
            select null, cum_end_seconds, false, cum_end_seconds
            from {{ intervals }}
        ) as sorted
    ) as merged
    -- a zero-length interval repeats its predecessor's cum_end: the earliest interval reaching it
    left join (
        select distinct on (cum_end_seconds) cum_end_seconds, cum_start_seconds, interval_start
        from {{ intervals }}
        order by cum_end_seconds, interval_start
    ) as clock
        on clock.cum_end_seconds = merged.cum_end_seconds
    where merged.is_position
{%- endmacro %}
