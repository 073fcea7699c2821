"""The inverse CDF of every distribution family: hand-computed values, SciPy's, invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter
from scipy import stats

from simulator.scenario.distributions import Quantity, highest, lowest, quantile

_QUANTITY: TypeAdapter[object] = TypeAdapter(Quantity)


def dist(text: object) -> object:
    return _QUANTITY.validate_python(text)


@pytest.mark.parametrize(
    ("spec", "u", "expected"),
    [
        (3.5, 0.9, 3.5),
        ({"uniform": [1, 3]}, 0.0, 1.0),
        ({"uniform": [1, 3]}, 0.25, 1.5),
        ({"uniform": [1, 3]}, 1.0, 3.0),
        ({"uniform": [2, 2]}, 0.7, 2.0),
        # Triangular [0, 1, 2]: CDF u = x^2 / 2 below the mode, so x = sqrt(2u).
        ({"triangular": [0, 1, 2]}, 0.125, 0.5),
        ({"triangular": [0, 1, 2]}, 0.5, 1.0),
        ({"triangular": [0, 1, 2]}, 0.875, 1.5),
        # [1, 2, 6]: the mode sits at CDF 1/5; above it x = 6 - sqrt((1 - u) * 5 * 4).
        ({"triangular": [1, 2, 6]}, 0.2, 2.0),
        ({"triangular": [1, 2, 6]}, 0.55, 3.0),
        ({"triangular": [1, 2, 6]}, 1.0, 6.0),
        # PERT [0, 1, 2] is a beta(3, 3) on [0, 2], symmetric about 1.
        ({"pert": [0, 1, 2]}, 0.5, 1.0),
        ({"pert": [0, 0, 1]}, 0.5, 1 - 0.5**0.2),  # beta(1, 5): CDF 1 - (1 - x)^5
        ({"exponential": {"mean": 2}}, 1 - math.exp(-1), 2.0),
        ({"exponential": {"mean": 2}}, 0.0, 0.0),
        ({"lognormal": {"median": 3, "sigma": 0.5}}, 0.5, 3.0),
        ({"lognormal": {"median": 3, "sigma": 0}}, 0.99, 3.0),
        ({"normal": {"mean": 5, "sd": 0, "low": 1}}, 0.3, 5.0),
        # Symmetric truncation keeps the median at the mean.
        ({"normal": {"mean": 5, "sd": 2, "low": 3, "high": 7}}, 0.5, 5.0),
        ({"normal": {"mean": 5, "sd": 2, "low": 3, "high": 7}}, 0.0, 3.0),
        ({"normal": {"mean": 5, "sd": 2, "low": 3, "high": 7}}, 1.0, 7.0),
        # Choice over 1, 2, 4 with weights 1, 2, 1: CDF 0.25, 0.75, 1.
        ({"choice": {"values": [4, 1, 2], "weights": [1, 1, 2]}}, 0.0, 1.0),
        ({"choice": {"values": [4, 1, 2], "weights": [1, 1, 2]}}, 0.25, 1.0),
        ({"choice": {"values": [4, 1, 2], "weights": [1, 1, 2]}}, 0.26, 2.0),
        ({"choice": {"values": [4, 1, 2], "weights": [1, 1, 2]}}, 0.75, 2.0),
        ({"choice": {"values": [4, 1, 2], "weights": [1, 1, 2]}}, 0.9, 4.0),
        ({"choice": {"values": [4, 1, 2], "weights": [1, 1, 0]}}, 1.0, 4.0),
        ({"choice": {"values": [7, 1], "weights": [1, 0]}}, 0.0, 7.0),
    ],
)
def test_quantiles_computed_by_hand(spec: object, u: float, expected: float) -> None:
    assert quantile(dist(spec), u) == pytest.approx(expected, rel=1e-12, abs=1e-12)  # type: ignore[arg-type]


@pytest.mark.parametrize("u", [0.01, 0.1, 0.3, 0.5, 0.77, 0.99])
def test_quantiles_agree_with_scipy(u: float) -> None:
    cases = [
        ({"uniform": [1, 4]}, stats.uniform(1, 3)),
        ({"triangular": [1, 2, 6]}, stats.triang(0.2, loc=1, scale=5)),
        ({"pert": [1.5, 2, 4]}, stats.beta(1 + 4 * 0.5 / 2.5, 1 + 4 * 2 / 2.5, loc=1.5, scale=2.5)),
        ({"lognormal": {"median": 2, "sigma": 0.3}}, stats.lognorm(0.3, scale=2)),
        ({"exponential": {"mean": 2.5}}, stats.expon(scale=2.5)),
        ({"normal": {"mean": 4, "sd": 3}}, stats.truncnorm(-4 / 3, np.inf, loc=4, scale=3)),
        (
            {"normal": {"mean": 4, "sd": 3, "low": 2, "high": 9}},
            stats.truncnorm(-2 / 3, 5 / 3, loc=4, scale=3),
        ),
    ]
    for spec, frozen in cases:
        assert quantile(dist(spec), u) == pytest.approx(float(frozen.ppf(u)), rel=1e-9), spec  # type: ignore[arg-type]


def test_a_probability_outside_the_unit_interval_is_refused() -> None:
    with pytest.raises(ValueError, match=r"probability in \[0, 1\]"):
        quantile(dist({"uniform": [1, 2]}), 1.5)  # type: ignore[arg-type]


_SPECS = [
    {"uniform": [1, 4]},
    {"triangular": [1, 2, 6]},
    {"pert": [0.5, 0.75, 1.5]},
    {"normal": {"mean": 4, "sd": 3, "low": 2, "high": 9}},
    {"lognormal": {"median": 2, "sigma": 0.3}},
    {"exponential": {"mean": 2.5}},
    {"choice": {"values": [3, 1, 2]}},
]


@given(st.sampled_from(_SPECS), st.floats(0, 1), st.floats(0, 1))
def test_quantiles_rise_with_u_and_stay_within_the_bounds(spec: object, a: float, b: float) -> None:
    d = dist(spec)
    low_u, high_u = sorted((a, b))
    low, high = quantile(d, low_u), quantile(d, high_u)  # type: ignore[arg-type]
    assert low <= high
    assert lowest(d) <= low  # type: ignore[arg-type]
    top = highest(d)  # type: ignore[arg-type]
    if top > 0:
        assert high <= top
