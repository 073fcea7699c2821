"""Critical values of the 95% intervals: Student's t and the normal quantile at 0.975.

Statistics of replications need t(0.975; n - 1) for their intervals of the
mean and z(0.975) for Wilson's interval of a share. Both are read from
numbers that scipy computed once (``tools/make_t_table.py`` writes the table
of t for 1 to 10,000 degrees of freedom), so that making statistics does not
import scipy; beyond the table scipy computes t. The values are scipy's to the
last bit (a test checks every one).
"""

from __future__ import annotations

import sys
from array import array
from functools import cache
from importlib.resources import files

Z_975 = 1.959963984540054
"""The normal distribution's 0.975 quantile, as ``scipy.special.ndtri(0.975)`` gives it."""


@cache
def _table() -> array[float]:
    values = array("d")
    values.frombytes(files("simulator.analysis").joinpath("data/t975.f64").read_bytes())
    if sys.byteorder == "big":  # the file is little-endian
        values.byteswap()
    return values


def t_975(df: int) -> float:
    """Student's t quantile at 0.975 with ``df`` degrees of freedom (at least 1)."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, got {df}")
    table = _table()
    if df <= len(table):
        return table[df - 1]
    from scipy.special import stdtrit

    return float(stdtrit(df, 0.975))
