"""tabletop: a discrete-event simulator for tabletop military exercises.

A scenario (YAML) describes places, links, forces, transport assets and the
historical record; the model replays the movements in SimPy and reports when
each unit departed, transferred and arrived, what waited on what, and how the
simulated timeline compares with the record.
"""

from __future__ import annotations

__version__ = "0.1.0"
