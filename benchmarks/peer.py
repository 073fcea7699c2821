"""tabletop against a hand-written SimPy model of the same movement: the peer ratio.

The movement is the flagship's PLA rail movement: every Chinese rail unit,
split into the same train loads, from its ramps at the origin over the same
route, through the transfer yard at the gauge break onto trains of the other
gauge, to the ramps at the destination; trains return empty to their base and
turn round. Both models draw every uncertain time (speed, loading, border,
transshipment, unloading) from a numpy stream per entity, seeded as tabletop
seeds its streams, and both write an event log (leave, reach, border, waits,
ramp and yard use, departures, transfers, arrivals, trips).

tabletop runs a scenario restricted to that movement: the flagship with only
those units and the fleets they name, no injects, no operations, no
milestones, and no limit of trains per day on the links (the peer has no
train paths). The peer's routes and loads are tabletop's plans, computed once
before timing (tabletop too plans once per scenario).

Both run with automatic garbage collection off (tabletop turns it off while
a world runs). The two are timed in turns, in one process, ``--pairs`` times; each pair
gives a ratio (peer time / tabletop time) and the median of those is
printed, with the machine's parallel capacity and load.

Usage: python benchmarks/peer.py [--pairs N] [--replications R]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import platform
import statistics
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import simpy
from numpy.random import PCG64, Generator, SeedSequence

from simulator.loading import load_scenario
from simulator.model.run import run_replication
from simulator.model.world import World
from simulator.scenario.models import Scenario

FLAGSHIP = Path(__file__).parent.parent / "scenarios" / "peace_mission_2007.yaml"

Quantity = Any
"""A number or a distribution of the scenario (drawn with its own ``draw``)."""


def restricted(scenario: Scenario, nation: str = "CN", mode: str = "rail") -> Scenario:
    """The scenario with only ``nation``'s ``mode`` units and their fleets, nothing else."""
    data = scenario.model_dump(mode="json")
    units = [u for u in data["forces"] if u["nation"] == nation and u["mode"] == mode]
    fleets = {f for u in units for f in u["fleets"]}
    data["forces"] = units
    data["fleets"] = [f for f in data["fleets"] if f["id"] in fleets]
    data["injects"] = []
    data["milestones"] = []
    data["operations"] = {"phases": []}
    for link in data["links"]:
        link["trains_per_day"] = None
    return Scenario.model_validate(data)


# ----------------------------------------------------------------- the peer
@dataclass
class FleetData:
    id: str
    base: str
    count: int
    speed: Quantity
    load_h: Quantity
    unload_h: Quantity
    turnaround_h: float
    home: dict[str, list[tuple[str, float]]]
    """Where a train is released -> its way home: (node reached, km) per leg."""
    out: dict[str, list[tuple[str, float]]]
    """Where a train is wanted, away from its base -> its way there empty."""


@dataclass
class LoadData:
    id: str
    origin: str
    ready: float
    personnel: int
    tonnes: float
    segments: list[tuple[str, list[tuple[str, float]]]]
    """(fleet id, legs as (node reached, km)) per stretch of one gauge."""


@dataclass
class Movement:
    fleets: dict[str, FleetData]
    loads: list[LoadData]
    ramps: dict[str, int]
    yards: dict[str, tuple[int, Quantity]]
    borders: dict[str, Quantity]


def movement(scenario: Scenario) -> Movement:
    """The peer's data, from tabletop's plans of the restricted scenario."""
    world = World(simpy.Environment(), scenario, 0)
    fleets: dict[str, FleetData] = {}
    for state in world.fleets.values():
        t = state.type
        fleets[state.spec.id] = FleetData(state.spec.id, state.spec.base, state.spec.count,
                                          t.speed_kmh, t.load_h, t.unload_h,
                                          float(t.turnaround_h), {}, {})  # fmt: skip
    loads = []
    for unit in scenario.forces:
        ready = world.clock.hours(unit.ready)
        plan = world.plan(unit, at=ready)
        segments = []
        for legs, fleet in zip(plan.route.segments(), plan.fleets, strict=True):
            data = fleets[fleet.spec.id]
            begin, end = legs[0].start, legs[-1].end
            if begin != data.base and begin not in data.out:
                out = world.empty_route(fleet, data.base, begin, at=ready)
                data.out[begin] = [(leg.end, leg.km) for leg in out.legs]
            if end not in data.home and end != data.base:
                home = world.empty_route(fleet, end, data.base, at=ready)
                data.home[end] = [(leg.end, leg.km) for leg in home.legs]
            segments.append((fleet.spec.id, [(leg.end, leg.km) for leg in legs]))
        for load in plan.loads:
            loads.append(LoadData(load.id, unit.origin, ready, load.personnel, load.tonnes,
                                  segments))  # fmt: skip
    ramps = {n.id: n.limits.loading_ramps for n in scenario.nodes if n.limits.loading_ramps}
    yards = {n.id: (n.limits.transfer_capacity, n.limits.transfer_h) for n in scenario.nodes
             if n.limits.transfer_capacity}  # fmt: skip
    borders = {n.id: n.limits.border_h for n in scenario.nodes if n.limits.border_h is not None}
    return Movement(fleets, loads, ramps, yards, borders)


@cache
def name_words(name: str) -> tuple[int, ...]:
    """The four 32-bit words of the name's SHA-256 that seed its stream (as tabletop's)."""
    digest = hashlib.sha256(name.encode()).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


class Peer:
    """A hand-written SimPy model of the movement: one process per load and per return."""

    def __init__(self, data: Movement, seed: int) -> None:
        self.data = data
        self.seed_words = [seed & 0xFFFFFFFF, *([seed >> 32] if seed >> 32 else [])]
        self.env = env = simpy.Environment()
        self.log: list[tuple[float, str, str, str, dict[str, Any]]] = []
        self.streams: dict[str, Generator] = {}
        self.ramps = {node: simpy.Resource(env, n) for node, n in data.ramps.items()}
        self.yards = {node: simpy.Resource(env, n) for node, (n, _) in data.yards.items()}
        self.trains: dict[str, simpy.Store] = {}
        for fleet in data.fleets.values():
            store = simpy.Store(env)
            store.items.extend(f"{fleet.id}/{n + 1}" for n in range(fleet.count))
            self.trains[fleet.id] = store
        for load in data.loads:
            env.process(self.move(load))

    def draw(self, name: str, quantity: Quantity) -> float:
        if isinstance(quantity, int | float):
            return float(quantity)
        rng = self.streams.get(name)
        if rng is None:
            # default_rng(SeedSequence([seed, *words])), given the words SeedSequence reads.
            entropy = np.array([*self.seed_words, *name_words(name)], dtype=np.uint32)
            rng = Generator(PCG64(SeedSequence(entropy)))
            self.streams[name] = rng
        return float(quantity.draw(rng))

    def handle(self, node: str, resources: dict[str, simpy.Resource], who: str, hours: Quantity,
               what: str) -> simpy.events.ProcessGenerator:  # fmt: skip
        env = self.env
        resource = resources.get(node)
        request = None
        if resource is not None:
            start = env.now
            request = resource.request()
            yield request
            if env.now > start:
                self.log.append((env.now, who, "wait", node, {"cause": what, "start": start}))
        since = env.now
        yield env.timeout(self.draw(who, hours))
        if request is not None:
            resource.release(request)  # type: ignore[union-attr]
            self.log.append((env.now, who, "occupy", node, {"resource": what, "start": since}))

    def run(self, who: str, start: str, legs: list[tuple[str, float]], speed: float,
            records: bool) -> simpy.events.ProcessGenerator:  # fmt: skip
        env, log, borders = self.env, self.log, self.data.borders
        here = start
        for node, km in legs:
            if records:
                log.append((env.now, who, "leave", here, {}))
            yield env.timeout(km / speed)
            border = borders.get(node)
            if border is not None:
                hours = self.draw(who, border)
                yield env.timeout(hours)
                if records:
                    log.append((env.now, who, "border", node, {"hours": hours}))
            if records:
                log.append((env.now, who, "reach", node, {}))
            here = node

    def move(self, load: LoadData) -> simpy.events.ProcessGenerator:
        env, log = self.env, self.log
        yield env.timeout(load.ready)
        here = load.origin
        for n, (fleet_id, legs) in enumerate(load.segments):
            fleet = self.data.fleets[fleet_id]
            start = env.now
            train = yield self.trains[fleet_id].get()
            if env.now > start:
                log.append((env.now, load.id, "wait", here, {"cause": "train_set", "start": start}))
            since = env.now
            if here != fleet.base:
                # Trains wait at their base; one wanted elsewhere runs there empty first.
                speed = self.draw(train, fleet.speed)
                yield from self.run(train, fleet.base, fleet.out[here], speed, False)
                log.append((env.now, load.id, "wait", here, {"cause": "positioning",
                                                              "start": since}))  # fmt: skip
            yield from self.handle(here, self.ramps, load.id, fleet.load_h, "ramp")
            log.append((env.now, load.id, "entrain" if n else "depart", here, {"carrier": train}))
            speed = self.draw(load.id, fleet.speed)
            yield from self.run(load.id, here, legs, speed, True)
            here = legs[-1][0]
            if n + 1 == len(load.segments):
                yield from self.handle(here, self.ramps, load.id, fleet.unload_h, "ramp")
                env.process(self.go_home(fleet, train, here, since))
                log.append((env.now, load.id, "arrive", here, {"carrier": train}))
                return
            _, transfer_h = self.data.yards[here]
            yield from self.handle(here, self.yards, load.id, transfer_h, "transfer")
            env.process(self.go_home(fleet, train, here, since))
            log.append((env.now, load.id, "transfer", here, {"previous": train}))

    def go_home(self, fleet: FleetData, train: str, at: str, since: float
                ) -> simpy.events.ProcessGenerator:  # fmt: skip
        if at != fleet.base:
            speed = self.draw(train, fleet.speed)
            yield from self.run(train, at, fleet.home[at], speed, False)
        yield self.env.timeout(fleet.turnaround_h)
        self.log.append((self.env.now, train, "trip", fleet.base,
                         {"start": since, "hours": self.env.now - since}))  # fmt: skip
        yield self.trains[fleet.id].put(train)


def run_peer(data: Movement, seed: int) -> Peer:
    """One replication of the peer."""
    peer = Peer(data, seed)
    peer.env.run()
    return peer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=15)
    parser.add_argument("--replications", type=int, default=40, help="per timed turn")
    args = parser.parse_args()
    scenario = restricted(load_scenario(FLAGSHIP).scenario)
    data = movement(scenario)
    run_replication(scenario, 0)  # plans and routes made once, as for any replication
    ours = [run_replication(scenario, s) for s in range(args.replications)]
    theirs = [run_peer(data, s) for s in range(args.replications)]
    # tabletop runs a world with the collector paused; the peer gets the same.
    gc.collect()
    gc.freeze()
    gc.disable()
    ratios = []
    for pair in range(args.pairs):
        gc.collect()  # between pairs, untimed
        seeds = range(pair * args.replications, (pair + 1) * args.replications)
        times = {}
        for who in ("peer", "tabletop") if pair % 2 else ("tabletop", "peer"):
            start = time.process_time()
            for seed in seeds:
                if who == "peer":
                    run_peer(data, seed)
                else:
                    run_replication(scenario, seed)
            times[who] = time.process_time() - start
        ratios.append(times["peer"] / times["tabletop"])
    closure = [max(e.time for e in r.events if e.kind == "arrive") for r in ours]
    peer_closure = [max(e[0] for e in p.log if e[2] == "arrive") for p in theirs]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{platform.python_implementation()} {platform.python_version()}, "
          f"SimPy {simpy.__version__}, numpy {np.__version__}")  # fmt: skip
    print(f"movement: {len(scenario.forces)} units, {len(data.loads)} train loads; "
          f"records per replication: tabletop {len(ours[0].events)}, "
          f"peer {len(theirs[0].log)}")  # fmt: skip
    gap = max(abs(a - b) for a, b in zip(closure, peer_closure, strict=True))
    print(f"closure over {args.replications} replications (h): mean tabletop "
          f"{statistics.mean(closure):.2f}, peer {statistics.mean(peer_closure):.2f}; "
          f"largest difference in one replication {gap:.2g} h")  # fmt: skip
    print(f"CPU per replication: tabletop {times['tabletop'] / args.replications * 1e3:.2f} ms, "
          f"peer {times['peer'] / args.replications * 1e3:.2f} ms (last pair)")  # fmt: skip
    low, high = min(ratios), max(ratios)
    print(f"peer ratio (peer time / tabletop time), median of {args.pairs} pairs: "
          f"{statistics.median(ratios):.2f} (range {low:.2f}-{high:.2f})")  # fmt: skip


if __name__ == "__main__":
    main()
