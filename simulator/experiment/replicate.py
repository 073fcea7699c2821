"""Replications of one scenario: seeds, the outputs of each, and their statistics.

Replication ``i`` of base seed ``s`` runs with the ``i``-th child of
``SeedSequence(s)`` (``replication_seed``), so a set of replications is the
same whoever runs it, in whatever order, on however many workers.

Each replication is reduced to ``outputs``: a flat mapping of named
quantities in simulated hours (``milestone:<id>``, ``unit:<id>`` closure,
``phase:<id>`` end, ``closure:<nation>``), plus ``within:<milestone>`` as 0
or 1, and the lateness, utilisation and waits of
:func:`simulator.analysis.outputs.scalar_outputs`. Statistics are computed
over those, from a list of them or from the column store of
``experiment.scalars`` (which many replications should use).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulator.analysis.critical import Z_975, t_975
from simulator.analysis.outputs import Outputs as Outputs
from simulator.analysis.outputs import is_record, is_share, is_sparse, scalar_outputs
from simulator.experiment.scalars import Scalars
from simulator.model.run import collector_paused, run_replication
from simulator.scenario.models import Scenario


def replication_seed(base: int, index: int) -> int:
    """The seed of replication ``index`` of a run with seed ``base`` (a 63-bit integer)."""
    # The index-th child of SeedSequence(base), as SeedSequence.spawn would make it.
    child = np.random.SeedSequence(base, spawn_key=(index,))
    return int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def outputs(scenario: Scenario, seed: int, *, load_arrivals: bool = False) -> Outputs:
    """Run one replication and keep the quantities that statistics are made of.

    ``load_arrivals`` keeps the arrival of every load too (see ``scalar_outputs``).

    The collector stays paused until the run's records are dropped: its next
    pass then finds the world as garbage and frees it, instead of first
    scanning it alive (and promoting it) as soon as the run ends.
    """
    with collector_paused():
        return scalar_outputs(run_replication(scenario, seed), load_arrivals=load_arrivals)


def describe(values: Sequence[float | None]) -> dict[str, Any]:
    """Mean, sd, P10, P50, P90 and a 95% confidence interval of the mean.

    Missing values (a milestone never reached) are counted apart and left out.
    The interval uses Student's t with n - 1 degrees of freedom.
    """
    present = np.array([v for v in values if v is not None], dtype=float)
    return describe_present(present, len(values) - int(present.size))


def describe_present(present: NDArray[np.float64], missing: int) -> dict[str, Any]:
    """:func:`describe` of the values present, with the count of those missing."""
    n = int(present.size)
    out: dict[str, Any] = {"n": n, "missing": missing}
    if n == 0:
        return {**out, "mean": None, "sd": None, "p10": None, "p50": None, "p90": None,
                "ci95": None}  # fmt: skip
    mean = float(present.mean())
    sd = float(present.std(ddof=1)) if n > 1 else 0.0
    half = t_975(n - 1) * sd / math.sqrt(n) if n > 1 else 0.0
    p10, p50, p90 = (float(q) for q in np.percentile(present, [10, 50, 90]))
    return {**out, "mean": mean, "sd": sd, "p10": p10, "p50": p50, "p90": p90,
            "ci95": [mean - half, mean + half]}  # fmt: skip


def proportion(values: Sequence[float | None]) -> dict[str, Any]:
    """Share of ones, with a 95% Wilson score interval."""
    present = [v for v in values if v is not None]
    n = len(present)
    if n == 0:
        return {"p": None, "ci95": None, "n": 0}
    p = sum(present) / n
    z = Z_975
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return {"p": p, "ci95": [max(0.0, centre - half), min(1.0, centre + half)], "n": n}


def each_replication(
    scenario: Scenario, seed: int, count: int, load_arrivals: bool = False
) -> Iterator[tuple[int, int, Outputs]]:
    """Run replications 0..count-1 in this process, in order: (index, seed, outputs) each."""
    for index in range(count):
        child = replication_seed(seed, index)
        yield index, child, outputs(scenario, child, load_arrivals=load_arrivals)


def run_many(
    scenario: Scenario,
    seed: int,
    replications: int,
    on_done: Callable[[int, Outputs], None] | None = None,
    *,
    load_arrivals: bool = False,
) -> list[Outputs]:
    """Run replications 0..n-1 in this process, in order, and keep every one's outputs.

    ``load_arrivals``: as :func:`outputs`. For a few replications;
    :class:`~simulator.experiment.scalars.Scalars` holds many in a fraction of the memory.
    """
    results = []
    for index, _, out in each_replication(scenario, seed, replications, load_arrivals):
        results.append(out)
        if on_done is not None:
            on_done(index, out)
    return results


def statistics(runs: Scalars | Iterable[Outputs]) -> dict[str, dict[str, Any]]:
    """Statistics of every quantity, keyed as in ``outputs`` (0/1 outputs as proportions).

    A replication without a key counts as missing it, except for the waits, which
    a run has only where it waited (0 otherwise; see ``analysis.outputs.value``).
    The records of single loads (``arrive:``, ``load:``) are not quantities of the
    scenario (each replication has its own loads) and have none. The columns of a
    store are read one at a time.
    """
    store = runs if isinstance(runs, Scalars) else Scalars.of(runs)
    table: dict[str, dict[str, Any]] = {}
    names = store.keys()
    for key in sorted(k for k in names if not is_record(k)):
        if is_sparse(key):
            values, held = store.column(key)
            present = np.where(held, values, 0.0)
        else:
            present = store.present(key)
        if is_share(key):
            # The values as Python floats, summed as proportion() sums them.
            table[key] = proportion(present.tolist())
        else:
            table[key] = describe_present(present, len(store) - int(present.size))
    return table
