"""Allow ``python -m simulator``."""

from __future__ import annotations

from simulator.entry import main

if __name__ == "__main__":
    main()
