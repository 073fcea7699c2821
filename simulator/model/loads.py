"""Loads: a unit split into whole carrier loads.

A load is what one train set or one aircraft carries of one unit. Vehicles
are never split; people are. The split packs vehicles first-fit by
decreasing mass (outsize vehicles first, since they also need an outsize
slot), then seats the personnel in the loads in order, opening new loads
only for people left over. The result is deterministic and uses few loads,
though it is not guaranteed to be the fewest possible (bin packing is hard).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.scenario.models import Capacity, Equipment


class CannotLoad(ValueError):
    """An item is too heavy or too large for the carrier."""


@dataclass(frozen=True, slots=True)
class Load:
    """One carrier load of one unit."""

    unit: str
    index: int
    personnel: int
    tonnes: float
    outsize: int
    vehicles: tuple[tuple[str, int], ...]
    """(equipment type, count) pairs in the order of the unit's equipment list."""
    id: str = field(init=False, repr=False, compare=False)
    """``<unit>#<n>``, n counting from 1 (made once: every record of the load names it)."""
    vehicle_count: int = field(init=False, repr=False, compare=False)
    """Number of vehicles aboard."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", f"{self.unit}#{self.index + 1}")
        object.__setattr__(self, "vehicle_count", sum(count for _, count in self.vehicles))


@dataclass
class _Bin:
    tonnes: float = 0.0
    outsize: int = 0
    personnel: int = 0

    def __post_init__(self) -> None:
        self.items: dict[int, int] = {}


def split(unit: str, personnel: int, equipment: list[Equipment], capacity: Capacity) -> list[Load]:
    """Split a unit into loads that each fit ``capacity``.

    Raises:
        CannotLoad: if a single item exceeds the capacity, or there are people
            but no seats.
    """
    items: list[tuple[int, Equipment]] = []
    for index, item in enumerate(equipment):
        if item.mass_t > capacity.tonnes + 1e-9:
            raise CannotLoad(
                f"one {item.type} weighs {item.mass_t:g} t, more than a load's "
                f"{capacity.tonnes:g} t"
            )
        if item.outsize and capacity.outsize < 1:
            raise CannotLoad(f"{item.type} is outsize and the carrier has no outsize slot")
        items.extend((index, item) for _ in range(item.count))
    if personnel and capacity.personnel < 1:
        raise CannotLoad("the unit has personnel and the carrier has no seats")
    items.sort(key=lambda pair: (not pair[1].outsize, -pair[1].mass_t, pair[0]))
    bins: list[_Bin] = []
    for index, item in items:
        for b in bins:
            if b.tonnes + item.mass_t <= capacity.tonnes + 1e-9 and (
                not item.outsize or b.outsize < capacity.outsize
            ):
                break
        else:
            b = _Bin()
            bins.append(b)
        b.tonnes += item.mass_t
        b.outsize += int(item.outsize)
        b.items[index] = b.items.get(index, 0) + 1
    remaining = personnel
    for b in bins:
        b.personnel = min(remaining, capacity.personnel)
        remaining -= b.personnel
    while remaining > 0:
        b = _Bin(personnel=min(remaining, capacity.personnel))
        remaining -= b.personnel
        bins.append(b)
    return [
        Load(
            unit,
            n,
            b.personnel,
            round(b.tonnes, 9),
            b.outsize,
            tuple((equipment[i].type, b.items[i]) for i in sorted(b.items)),
        )
        for n, b in enumerate(bins)
    ]


def fits(loads: list[Load], capacity: Capacity) -> bool:
    """True if the loads together fit in one carrier."""
    return (
        sum(load.personnel for load in loads) <= capacity.personnel
        and sum(load.tonnes for load in loads) <= capacity.tonnes + 1e-9
        and sum(load.outsize for load in loads) <= capacity.outsize
    )
