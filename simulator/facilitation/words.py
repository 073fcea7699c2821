"""The picture in words: what each load and each unit is doing, for any front end.

The terminal's situation report and the web console's unit list say the same
thing the same way: names, not ids, and times in UTC with the local time of
the place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simulator.facilitation.places import Places


def load_words(places: Places, load: dict[str, Any], progress: bool) -> str:
    """What one load is doing (see :mod:`simulator.facilitation.picture`).

    Args:
        places: Names and times of the scenario.
        load: One load of :func:`~simulator.facilitation.picture.picture`.
        progress: Say how far along its leg a moving load is.
    """
    name = places.node
    state, node, cause = load["state"], load["node"], load["cause"]
    if state == "not_ready":
        unit = next(u for u in places.scenario.forces if u.id == load["unit"])
        ready = places.clock.hours(unit.ready)
        return f"not yet moving (ready {places.when(ready, unit.origin)})"
    if load["from"] is not None:
        leg = f"{name(load['from'])} -> {name(load['to'])}"
        if state == "waiting":
            return f"held on the way {leg} ({cause})"
        return f"moving {leg}" + (
            f" ({load['progress']:.0%}, {load['km']:,.0f} km)" if progress else ""
        )
    if state == "waiting":
        return (
            f"waiting at {name(node)} ({cause})" if cause else f"waiting to depart at {name(node)}"
        )
    if state == "busy":
        return f"{cause} at {name(node)}"
    if state == "stranded":
        return f"stranded at {name(node)}: {cause}"
    return f"{'closed' if state == 'closed' else 'at'} {name(node)}"


def unit_words(places: Places, loads: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """Per unit of the scenario, in order: its ``id``, ``name``, ``nation`` and ``doing``.

    ``doing`` groups the unit's loads that do the same thing (``2 x moving
    A -> B; at C``); a unit wholly closed reads
    ``closed at ...`` once.
    """
    out = []
    for unit in places.scenario.forces:
        own = [ld for ld in loads if ld["unit"] == unit.id]
        counts: dict[str, int] = {}
        for ld in own:
            text = load_words(places, ld, progress=len(own) == 1)
            counts[text] = counts.get(text, 0) + 1
        said = "; ".join(f"{n} x {text}" if n > 1 else text for text, n in counts.items())
        if len(counts) == 1 and len(own) > 1 and next(iter(counts)).startswith("closed"):
            said = next(iter(counts))
        out.append({"id": unit.id, "name": places.unit(unit.id),
                    "nation": places.country(unit.nation), "doing": said or "-"})  # fmt: skip
    return out
