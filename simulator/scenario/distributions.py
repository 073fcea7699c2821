"""Uncertain quantities: a number, or a distribution to draw it from.

Written in YAML as a plain number (fixed) or a one-key mapping naming the
distribution::

    per_objective_h: 2                                   # fixed
    per_objective_h: {uniform: [1.5, 3]}                 # low, high
    per_objective_h: {triangular: [1.5, 2, 4]}           # low, mode, high
    per_objective_h: {pert: [1.5, 2, 4]}                 # low, most likely, high
    per_objective_h: {normal: {mean: 2, sd: 0.5, low: 0.5, high: 4}}  # truncated
    per_objective_h: {lognormal: {median: 2, sigma: 0.3}}
    per_objective_h: {exponential: {mean: 2}}
    per_objective_h: {choice: {values: [1, 2, 4], weights: [1, 2, 1]}}

Every distribution knows its mean, and draws with a numpy ``Generator``
handed to it (never global random state). The draw of a quantity is never
negative: durations and speeds are physical.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Annotated, Any

import numpy as np
from pydantic import AfterValidator, Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from simulator.scenario.types import LARGEST, MAX_SPEED_KMH, MIN_SPEED_KMH, Frozen

Finite = Annotated[float, Field(ge=-LARGEST, le=LARGEST, allow_inf_nan=False)]
NonNeg = Annotated[float, Field(ge=0, le=LARGEST, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, le=LARGEST, allow_inf_nan=False)]

MAX_SIGMA = 4.0
"""Largest lognormal ``sigma``: at 4, one draw in a thousand is 160,000 times the median."""

_SHOWN = 60


def _shown(value: Any) -> str:
    """A short rendering of what was given, for messages."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _shape(value: Any, family: str, expected: str, count: int | None) -> Any:
    """Refuse a family's parameters of the wrong shape, saying what is expected.

    ``count`` values in a list, or (``None``) a mapping. Only the shape is
    checked here: the values themselves are checked by the fields.

    Raises:
        PydanticCustomError: ``{family} expects {expected} (got ...)``.
    """
    if not isinstance(value, dict) or family not in value:
        return value
    given = value[family]
    if count is None:
        fits = isinstance(given, dict)
    else:
        fits = isinstance(given, list | tuple) and len(given) == count
    if not fits:
        raise PydanticCustomError(
            "distribution_shape", f"{family} expects {expected} (got {_shown(given)})"
        )
    return value


class Uniform(Frozen):
    """Uniform between ``[low, high]``."""

    uniform: tuple[NonNeg, NonNeg] = Field(strict=False)

    @model_validator(mode="before")
    @classmethod
    def _parameters(cls, value: Any) -> Any:
        return _shape(value, "uniform", "two values, [low, high]", 2)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.uniform[1] < self.uniform[0]:
            raise ValueError("uniform: [low, high] with low <= high")
        return self

    def mean(self) -> float:
        return (self.uniform[0] + self.uniform[1]) / 2

    def draw(self, rng: np.random.Generator) -> float:
        low, high = self.uniform
        return float(rng.uniform(low, high)) if high > low else low

    def quantile(self, u: float) -> float:
        low, high = self.uniform
        return low + u * (high - low)


class Triangular(Frozen):
    """Triangular with ``[low, mode, high]``."""

    triangular: tuple[NonNeg, NonNeg, NonNeg] = Field(strict=False)

    @model_validator(mode="before")
    @classmethod
    def _parameters(cls, value: Any) -> Any:
        return _shape(value, "triangular", "three values, [low, most likely, high]", 3)

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        low, mode, high = self.triangular
        if not low <= mode <= high:
            raise ValueError("triangular: [low, mode, high] with low <= mode <= high")
        return self

    def mean(self) -> float:
        return sum(self.triangular) / 3

    def draw(self, rng: np.random.Generator) -> float:
        low, mode, high = self.triangular
        return float(rng.triangular(low, mode, high)) if high > low else low

    def quantile(self, u: float) -> float:
        low, mode, high = self.triangular
        if high == low:
            return low
        if u * (high - low) < mode - low:  # u below the CDF at the mode
            return low + math.sqrt(u * (high - low) * (mode - low))
        return high - math.sqrt((1 - u) * (high - low) * (high - mode))


class Pert(Frozen):
    """PERT (a scaled beta) with ``[low, most likely, high]`` and shape 4."""

    pert: tuple[NonNeg, NonNeg, NonNeg] = Field(strict=False)

    @model_validator(mode="before")
    @classmethod
    def _parameters(cls, value: Any) -> Any:
        return _shape(value, "pert", "three values, [low, most likely, high]", 3)

    @model_validator(mode="after")
    def _ordered(self) -> Pert:
        low, mode, high = self.pert
        if not low <= mode <= high:
            raise ValueError("pert: [low, most likely, high] with low <= most likely <= high")
        return self

    def mean(self) -> float:
        low, mode, high = self.pert
        return (low + 4 * mode + high) / 6

    def draw(self, rng: np.random.Generator) -> float:
        low, mode, high = self.pert
        if high == low:
            return low
        alpha = 1 + 4 * (mode - low) / (high - low)
        beta = 1 + 4 * (high - mode) / (high - low)
        return float(low + rng.beta(alpha, beta) * (high - low))

    def quantile(self, u: float) -> float:
        # The beta's inverse CDF; scipy.special only here (no run ever needs it).
        from scipy.special import betaincinv

        low, mode, high = self.pert
        if high == low:
            return low
        alpha = 1 + 4 * (mode - low) / (high - low)
        beta = 1 + 4 * (high - mode) / (high - low)
        x = float(betaincinv(alpha, beta, u))
        if math.isnan(x):  # u so near 0 or 1 that the inverse underflows: the bound
            x = 0.0 if u < 0.5 else 1.0
        return low + x * (high - low)


class NormalSpec(Frozen):
    mean: Finite
    sd: NonNeg
    low: NonNeg = 0.0
    high: Finite | None = None

    @model_validator(mode="after")
    def _bounds(self) -> NormalSpec:
        if self.high is not None and self.high <= self.low:
            raise ValueError("normal: high must be above low")
        if self.sd > 0:
            a = (self.low - self.mean) / self.sd
            b = (self.top - self.mean) / self.sd
            if _phi_cdf(b) - _phi_cdf(a) < 1e-4:
                raise ValueError(
                    "normal: the bounds leave almost no probability (move them nearer the mean)"
                )
        return self

    @property
    def top(self) -> float:
        """The upper bound (infinite if none)."""
        return math.inf if self.high is None else self.high


class Normal(Frozen):
    """Normal, truncated to ``[low, high]`` (low defaults to 0) by redrawing."""

    normal: NormalSpec

    @model_validator(mode="before")
    @classmethod
    def _parameters(cls, value: Any) -> Any:
        return _shape(
            value, "normal", "a mapping, {mean: M, sd: S} with optional low and high", None
        )

    def mean(self) -> float:
        # The mean of the truncated distribution (it differs from `mean` when cut).
        spec = self.normal
        if spec.sd == 0:
            return min(max(spec.mean, spec.low), spec.top)
        a = (spec.low - spec.mean) / spec.sd
        b = (spec.top - spec.mean) / spec.sd
        mass = _phi_cdf(b) - _phi_cdf(a)
        return spec.mean + spec.sd * (_phi_pdf(a) - _phi_pdf(b)) / mass

    def draw(self, rng: np.random.Generator) -> float:
        spec = self.normal
        if spec.sd == 0:
            return min(max(spec.mean, spec.low), spec.top)
        a = _phi_cdf((spec.low - spec.mean) / spec.sd)
        b = _phi_cdf((spec.top - spec.mean) / spec.sd)
        if b - a > 0.2:
            while True:  # rejection: exact, and quick when the bounds keep most of the mass
                x = float(rng.normal(spec.mean, spec.sd))
                if spec.low <= x <= spec.top:
                    return x
        # Narrow bounds: invert the normal CDF between them (never loops).
        u = a + float(rng.random()) * (b - a)
        x = spec.mean + spec.sd * NormalDist().inv_cdf(min(max(u, 1e-15), 1 - 1e-15))
        return min(max(x, spec.low), spec.top)

    def quantile(self, u: float) -> float:
        spec = self.normal
        if spec.sd == 0:
            return min(max(spec.mean, spec.low), spec.top)
        a = _phi_cdf((spec.low - spec.mean) / spec.sd)
        b = _phi_cdf((spec.top - spec.mean) / spec.sd)
        x = spec.mean + spec.sd * _phi_inverse(a + u * (b - a))
        return min(max(x, spec.low), spec.top)


class LognormalSpec(Frozen):
    median: Positive
    sigma: Annotated[float, Field(ge=0, le=MAX_SIGMA, allow_inf_nan=False)]


class Lognormal(Frozen):
    """Lognormal given by its ``median`` and the ``sigma`` of its logarithm."""

    lognormal: LognormalSpec

    @model_validator(mode="before")
    @classmethod
    def _parameters(cls, value: Any) -> Any:
        return _shape(value, "lognormal", "a mapping, {median: M, sigma: S}", None)

    def mean(self) -> float:
        return self.lognormal.median * math.exp(self.lognormal.sigma**2 / 2)

    def draw(self, rng: np.random.Generator) -> float:
        return float(rng.lognormal(math.log(self.lognormal.median), self.lognormal.sigma))

    def quantile(self, u: float) -> float:
        spec = self.lognormal
        return (
            spec.median if spec.sigma == 0 else spec.median * math.exp(spec.sigma * _phi_inverse(u))
        )


class ExponentialSpec(Frozen):
    mean: Positive


class Exponential(Frozen):
    """Exponential with the given ``mean``."""

    exponential: ExponentialSpec

    @model_validator(mode="before")
    @classmethod
    def _parameters(cls, value: Any) -> Any:
        return _shape(value, "exponential", "a mapping, {mean: M}", None)

    def mean(self) -> float:
        return self.exponential.mean

    def draw(self, rng: np.random.Generator) -> float:
        return float(rng.exponential(self.exponential.mean))

    def quantile(self, u: float) -> float:
        return -self.exponential.mean * math.log1p(-u) if u < 1 else math.inf


class ChoiceSpec(Frozen):
    values: list[NonNeg] = Field(min_length=1)
    weights: list[NonNeg] | None = None

    @model_validator(mode="after")
    def _weights(self) -> ChoiceSpec:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError("choice: one weight per value")
            if sum(self.weights) <= 0:
                raise ValueError("choice: the weights add up to nothing")
        return self


class Choice(Frozen):
    """One of ``values`` (an empirical distribution), with optional ``weights``."""

    choice: ChoiceSpec

    @model_validator(mode="before")
    @classmethod
    def _parameters(cls, value: Any) -> Any:
        return _shape(
            value, "choice", "a mapping, {values: [V1, V2, ...]} with optional weights", None
        )

    def _p(self) -> list[float]:
        weights = self.choice.weights or [1.0] * len(self.choice.values)
        total = sum(weights)
        return [w / total for w in weights]

    def mean(self) -> float:
        return sum(v * p for v, p in zip(self.choice.values, self._p(), strict=True))

    def draw(self, rng: np.random.Generator) -> float:
        index = int(rng.choice(len(self.choice.values), p=self._p()))
        return self.choice.values[index]

    def quantile(self, u: float) -> float:
        # The smallest value whose cumulative probability (values in increasing order)
        # reaches u; u = 0 gives the smallest value.
        ordered = sorted(zip(self.choice.values, self._p(), strict=True))
        total = 0.0
        for value, p in ordered:
            total += p
            if u <= total and p > 0:
                return value
        return max(v for v, p in ordered if p > 0)


Distribution = Uniform | Triangular | Pert | Normal | Lognormal | Exponential | Choice

FAMILIES: dict[str, type[Frozen]] = {
    "uniform": Uniform,
    "triangular": Triangular,
    "pert": Pert,
    "normal": Normal,
    "lognormal": Lognormal,
    "exponential": Exponential,
    "choice": Choice,
}


def _family(value: Any) -> str | None:
    """Which member of ``Quantity`` a value is: a number, or a one-key mapping."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return "fixed"
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return key if key in FAMILIES else None
    for name, family in FAMILIES.items():
        if isinstance(value, family):
            return name
    return None


Quantity = Annotated[
    Annotated[NonNeg, Tag("fixed")]
    | Annotated[Uniform, Tag("uniform")]
    | Annotated[Triangular, Tag("triangular")]
    | Annotated[Pert, Tag("pert")]
    | Annotated[Normal, Tag("normal")]
    | Annotated[Lognormal, Tag("lognormal")]
    | Annotated[Exponential, Tag("exponential")]
    | Annotated[Choice, Tag("choice")],
    Discriminator(
        _family,
        custom_error_type="quantity",
        custom_error_message=(
            "expected a number, or a mapping with one key of: " + ", ".join(FAMILIES)
        ),
    ),
]
"""A non-negative number, or a distribution to draw one from."""


def lowest(value: float | Distribution) -> float:
    """The smallest value a quantity can take."""
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Uniform):
        return value.uniform[0]
    if isinstance(value, Triangular):
        return value.triangular[0]
    if isinstance(value, Pert):
        return value.pert[0]
    if isinstance(value, Normal):
        return value.normal.low
    if isinstance(value, Choice):
        return min(value.choice.values)
    return 0.0  # lognormal and exponential come as close to 0 as you like


def _speed(value: float | Distribution) -> float | Distribution:
    if isinstance(value, Lognormal):
        low, what = value.lognormal.median, "a lognormal's median"
    else:
        low, what = lowest(value), "the lowest value"
    if low < MIN_SPEED_KMH or highest(value) > MAX_SPEED_KMH:
        raise ValueError(
            f"a speed must stay within {MIN_SPEED_KMH:g} and {MAX_SPEED_KMH:g} km/h: a number, "
            f"or a distribution whose lowest value (a lognormal: median) is at least "
            f"{MIN_SPEED_KMH:g} and whose highest is at most {MAX_SPEED_KMH:g}"
            f" ({what} is {low:g})"
        )
    return value


def highest(value: float | Distribution) -> float:
    """The largest value a quantity can take (a bound; lognormal and exponential: 0)."""
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Uniform):
        return value.uniform[1]
    if isinstance(value, Triangular):
        return value.triangular[2]
    if isinstance(value, Pert):
        return value.pert[2]
    if isinstance(value, Normal):
        return value.normal.high if value.normal.high is not None else 0.0
    if isinstance(value, Choice):
        return max(value.choice.values)
    return 0.0  # unbounded families: their parameters are bounded instead


SpeedQuantity = Annotated[Quantity, AfterValidator(_speed)]
"""A speed in km/h, fixed or drawn, within :data:`MIN_SPEED_KMH` and :data:`MAX_SPEED_KMH`."""


def mean(value: float | Distribution) -> float:
    """The mean of a quantity (the number itself if fixed)."""
    return float(value) if isinstance(value, int | float) else value.mean()


def draw(value: float | Distribution, rng: np.random.Generator) -> float:
    """One value of a quantity; a fixed number draws nothing from ``rng``."""
    return float(value) if isinstance(value, int | float) else value.draw(rng)


def quantile(value: float | Distribution, u: float) -> float:
    """The value of a quantity at cumulative probability ``u`` (its inverse CDF).

    A fixed number is its own quantile. For a distribution, ``quantile(d, u)``
    is the ``x`` with ``P(X <= x) = u``: exact for every family (the truncated
    normal between its bounds, PERT through the inverse regularised incomplete
    beta function), and for ``choice`` the smallest value whose cumulative
    probability reaches ``u``.  Sensitivity analysis fixes a quantity at one
    quantile in a run, so that every draw of it gives that value.

    Args:
        value: A number or a distribution.
        u: The cumulative probability, in [0, 1]; 0 and 1 give the bounds
            (infinite for the normal without ``high``, lognormal at 1, exponential at 1).

    Raises:
        ValueError: If ``u`` is outside [0, 1].
    """
    if not 0.0 <= u <= 1.0:
        raise ValueError(f"a quantile needs a probability in [0, 1], got {u!r}")
    return float(value) if isinstance(value, int | float) else value.quantile(u)


def _phi_pdf(x: float) -> float:
    return 0.0 if math.isinf(x) else math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _phi_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _phi_inverse(p: float) -> float:
    """The standard normal's inverse CDF, with its limits at 0 and 1."""
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    return NormalDist().inv_cdf(p)


def is_fixed(value: Any) -> bool:
    """True if a quantity is a plain number."""
    return isinstance(value, int | float)
