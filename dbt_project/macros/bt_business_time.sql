{#
    Business time (营业时间) as a clock that only runs inside business intervals.

    bt_business_intervals(first_day, last_day): one row per opening interval of every working
    local day in [first_day, last_day] — working days are workdays and 调休 adjusted working days
    from the calendar_days seed (days outside the seed: Monday–Friday), with the business_hours
    seed's workday intervals — and `cum_start_seconds` / `cum_end_seconds`, the business seconds
    elapsed on the clock at the interval's start / end since the first interval.

    bt_clock_position(instant, intervals): lateral join giving `position_seconds` — the clock's
    reading at an instant (it stands still outside business hours; 0 before the first interval,
    e.g. a complaint received early on the first day of the range, after a weekend or holiday).

    bt_instant_at_position(position, intervals): lateral join giving `instant_at` — the first
    instant the clock shows `position`: the interval whose cum_end first reaches it, so a
    target that runs out exactly at closing ends at closing, and a clock started outside
    business hours starts at the next opening.
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

{% macro bt_clock_position(instant, intervals, alias) -%}
    left join lateral (
        -- before the first interval the clock has not started: it reads 0
        select coalesce(
            (
                select
                    clock.cum_start_seconds
                    + least(greatest(extract(epoch from ({{ instant }}) - clock.interval_start), 0), clock.interval_seconds)
                from {{ intervals }} as clock
                where clock.interval_start <= ({{ instant }})
                order by clock.interval_start desc
                limit 1
            ),
            0
        ) as position_seconds
    ) as {{ alias }} on ({{ instant }}) is not null
{%- endmacro %}

{% macro bt_instant_at_position(position, intervals, alias) -%}
    left join lateral (
        select
            clock.interval_start
            + (({{ position }}) - clock.cum_start_seconds) * interval '1 second' as instant_at
        from {{ intervals }} as clock
        where clock.cum_end_seconds >= ({{ position }})
        order by clock.cum_end_seconds
        limit 1
    ) as {{ alias }} on ({{ position }}) is not null
{%- endmacro %}
