"""The critical values of the 95% intervals are scipy's, without importing scipy."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from simulator.analysis import critical


def test_every_tabled_t_quantile_is_scipys_to_the_last_bit() -> None:
    from scipy import stats
    from scipy.special import stdtrit

    df = np.arange(1, 10_001, dtype=float)
    ours = np.array([critical.t_975(int(d)) for d in df])
    assert np.array_equal(ours, stdtrit(df, 0.975))
    assert np.array_equal(ours, stats.t.ppf(0.975, df))


def test_beyond_the_table_scipy_computes_t() -> None:
    from scipy.special import stdtrit

    for df in (10_001, 123_456):
        assert critical.t_975(df) == float(stdtrit(df, 0.975))
    assert critical.t_975(10_001) < critical.t_975(10_000)


def test_the_normal_quantile_is_scipys() -> None:
    from scipy.special import ndtri

    assert float(ndtri(0.975)) == critical.Z_975


def test_no_degrees_of_freedom_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        critical.t_975(0)


def test_statistics_of_replications_do_not_import_scipy() -> None:
    code = (
        "import sys\n"
        "from simulator.experiment.replicate import describe, proportion\n"
        "from simulator.analysis.compare import paired_difference\n"
        "describe([1.0, 2.0, 4.0]); proportion([0.0, 1.0, 1.0])\n"
        "paired_difference([1.0, 3.0])\n"
        "print('scipy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
