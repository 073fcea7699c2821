"""The closure band across replications and the histograms: exact on hand-made inputs.

The quantile is numpy's default (linear between order statistics, type 7 of
Hyndman and Fan), the one of every statistic of replications: for three
values ``x0 <= x1 <= x2``, P10 = x0 + 0.2 (x1 - x0), P50 = x1 and
P90 = x1 + 0.8 (x2 - x1).
"""

from __future__ import annotations

import bisect

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.analysis.bands import band, bin_width, histogram, quantile, replication_curves


def flat(steps: list[tuple[float, tuple[float, ...]]]) -> list[float]:
    return [x for t, q in steps for x in (t, *q)]


def test_three_replications_by_hand() -> None:
    # Shares of a nation in three replications: (instant h, share from then on).
    curves = [[(2.0, 0.4), (6.0, 1.0)], [(4.0, 0.4), (8.0, 1.0)], [(2.0, 0.4)]]
    assert flat(band(curves)) == pytest.approx(
        flat(
            [
                # t=2: shares [0, 0.4, 0.4]: P10 = 0.2 * 0.4, P50 = P90 = 0.4.
                (2.0, (0.08, 0.4, 0.4)),
                # t=4: [0.4, 0.4, 0.4].
                (4.0, (0.4, 0.4, 0.4)),
                # t=6: [0.4, 0.4, 1]: P90 = 0.4 + 0.8 * 0.6.
                (6.0, (0.4, 0.4, 0.88)),
                # t=8: [0.4, 1, 1]: P10 = 0.4 + 0.2 * 0.6.
                (8.0, (0.52, 1.0, 1.0)),
            ]
        ),
        abs=1e-12,
    )


def test_an_instant_where_no_quantile_moves_is_left_out() -> None:
    # Nine replications at 0 and one that closes: P90 of ten values interpolates
    # between the 9th and 10th, so it moves; a change below every quantile does not.
    curves: list[list[tuple[float, float]]] = [[] for _ in range(10)]
    curves[0] = [(1.0, 1.0)]
    assert flat(band(curves)) == pytest.approx([1.0, 0.0, 0.0, 0.1], abs=1e-12)
    assert band([[], []]) == []
    assert band([]) == []


def test_the_quantile_is_numpys_percentile() -> None:
    values = sorted([3.0, 1.0, 7.5, 2.25, 10.0])
    for q in (0.1, 0.5, 0.9):
        assert quantile(values, q) == float(np.percentile(values, 100 * q))
    assert quantile([4.0], 0.9) == 4.0


@given(st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=1, max_size=40), st.floats(0, 1))
def test_the_quantile_is_numpys_to_the_last_bit(values: list[float], q: float) -> None:
    ordered = sorted(values)
    assert quantile(ordered, q) == float(np.quantile(ordered, q))


curve_strategy = st.lists(st.tuples(st.integers(0, 12), st.floats(0, 1)), max_size=5).map(
    lambda pairs: sorted({t: s for t, s in pairs}.items())
)


@given(st.lists(curve_strategy, min_size=1, max_size=8))
def test_the_band_is_the_percentiles_at_every_instant(
    raw: list[list[tuple[int, float]]],
) -> None:
    curves = [[(float(t), s) for t, s in c] for c in raw]
    steps = band(curves)
    times = [t for t, _ in steps]

    def share(points: list[tuple[float, float]], when: float) -> float:
        i = bisect.bisect_right([t for t, _ in points], when)
        return 0.0 if i == 0 else points[i - 1][1]

    for when in sorted({t for c in curves for t, _ in c} | {-1.0, 100.0}):
        values = [share(c, when) for c in curves]
        expected = tuple(float(np.percentile(values, p)) for p in (10, 50, 90))
        i = bisect.bisect_right(times, when)
        assert (steps[i - 1][1] if i else (0.0, 0.0, 0.0)) == expected


def test_a_replications_curves_count_people_vehicles_and_tonnes() -> None:
    outputs: dict[str, float | None] = {
        "arrive:a1#1": 2.0,
        "load:a1#1:personnel": 100.0,
        "arrive:a1#2": 6.0,
        "load:a1#2:vehicles": 4.0,
        "load:a1#2:tonnes": 40.0,
        "arrive:b1#1": 3.0,
        "load:b1#1:personnel": 50.0,
        "unit:a1": 6.0,
    }
    totals = {"A": (100.0, 4.0, 40.0), "B": (100.0, 0.0, 0.0), "all": (200.0, 4.0, 40.0)}
    curves = replication_curves(outputs, {"a1": "A", "b1": "B"}, totals)
    # A: the people at 2 h but no vehicle yet: the least share is 0 until 6 h.
    assert curves == {
        "A": [(2.0, 0.0), (6.0, 1.0)],
        "B": [(3.0, 0.5)],
        "all": [(2.0, 0.0), (3.0, 0.0), (6.0, 0.75)],
    }
    with pytest.raises(ValueError, match="arrive:x#1 is a load of no unit"):
        replication_curves({"arrive:x#1": 1.0}, {"a1": "A"}, totals)
    with pytest.raises(ValueError, match="arrive:a1#1 is null"):
        replication_curves({"arrive:a1#1": None}, {"a1": "A"}, totals)


def test_histogram_counts_by_hand() -> None:
    assert histogram([6.0, 8.0, 6.2, 7.99], 1.0) == [(6.0, 2), (7.0, 1), (8.0, 1)]
    # Edges on multiples of the width from the origin; a value on an edge opens its bin.
    assert histogram([1.0, 3.0, 3.0], 2.0, origin=-1.0) == [(1.0, 1), (3.0, 2)]
    assert histogram([0.5, 2.6], 1.0) == [(0.0, 1), (1.0, 0), (2.0, 1)]
    assert histogram([], 1.0) == []


@pytest.mark.parametrize(
    ("span", "width"),
    [(0.0, 0.25), (10.0, 0.25), (10.1, 0.5), (40.0, 1.0), (100.0, 3.0), (500.0, 24.0),
     (1e6, 720.0)],
)  # fmt: skip
def test_bin_widths_are_round(span: float, width: float) -> None:
    assert bin_width(span) == width
