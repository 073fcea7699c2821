"""Write the table of Student's t quantiles that the 95% intervals use.

``simulator/analysis/data/t975.f64`` holds t(0.975; df) for df = 1 .. 10,000
as little-endian IEEE doubles, as ``scipy.special.stdtrit`` computes them. With
the table, statistics of up to 10,001 values need no scipy at all (importing
scipy.special costs more CPU than a hundred replications of the flagship);
beyond it, ``simulator.analysis.critical`` asks scipy. A test checks every
entry against scipy.

Usage: python tools/make_t_table.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.special import stdtrit

TABLE = Path(__file__).resolve().parent.parent / "simulator" / "analysis" / "data" / "t975.f64"
LARGEST_DF = 10_000


def main() -> None:
    values = stdtrit(np.arange(1, LARGEST_DF + 1, dtype=float), 0.975)
    TABLE.write_bytes(values.astype("<f8").tobytes())
    print(f"{TABLE}: t(0.975; df) for df = 1 .. {LARGEST_DF:,}")


if __name__ == "__main__":
    main()
