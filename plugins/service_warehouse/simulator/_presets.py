"""Scale presets: how big the simulated department is."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from service_warehouse.errors import ServiceWarehouseError


class SimulatorError(ServiceWarehouseError):
    """A bad simulator option or a state the simulator cannot continue from."""


@dataclass(frozen=True)
class Preset:
    """Sizes of one simulated department (counts are for an ordinary working day)."""

    name: str
    customers: int  #: customers on the first day
    calls_per_day: int  #: queue calls on an ordinary weekday (ENTERQUEUE events)
    queues: int
    agents: int  #: call-centre agents (queue members)
    technicians: int
    qa_inspectors: int
    account_managers: int
    complaints_per_day: float
    work_orders_per_day: float
    new_customers_per_day: float

    def as_dict(self) -> dict:
        """Plain dict (stored with the simulator state to check continuations)."""
        return asdict(self)


PRESETS: dict[str, Preset] = {
    "tiny": Preset("tiny", 200, 40, 2, 8, 2, 1, 2, 2.0, 3.0, 0.5),
    "demo": Preset("demo", 3000, 300, 3, 15, 5, 2, 4, 12.0, 25.0, 3.0),
    "large": Preset("large", 200_000, 20_000, 20, 600, 150, 20, 60, 600.0, 1500.0, 150.0),
}


def resolve_preset(name: str, customers: int | None = None, calls_per_day: int | None = None) -> Preset:
    """The named preset with explicit counts applied (counts scale the other daily volumes)."""
    try:
        base = PRESETS[name]
    except KeyError:
        raise SimulatorError(f"unknown preset {name!r}: choose one of {', '.join(PRESETS)}") from None
    preset = base
    if customers is not None:
        if customers < 10:
            raise SimulatorError(f"--customers must be at least 10, got {customers}")
        factor = customers / base.customers
        preset = replace(
            preset,
            customers=customers,
            complaints_per_day=base.complaints_per_day * factor,
            work_orders_per_day=base.work_orders_per_day * factor,
            new_customers_per_day=base.new_customers_per_day * factor,
            account_managers=max(1, round(base.account_managers * factor**0.5)),
        )
    if calls_per_day is not None:
        if calls_per_day < 0:
            raise SimulatorError(f"--calls-per-day must not be negative, got {calls_per_day}")
        factor = calls_per_day / base.calls_per_day
        preset = replace(
            preset,
            calls_per_day=calls_per_day,
            agents=max(base.queues * 2, round(base.agents * factor)),
            qa_inspectors=max(1, round(base.qa_inspectors * factor**0.5)),
        )
    return preset
