"""Peace Mission 2010, predicted with the 2007 norms: structure, not tuned numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.analysis.tables import unit_rows
from simulator.loading import load_scenario
from simulator.model.run import run_replication
from simulator.model.world import Result

SCENARIOS = Path(__file__).parent.parent / "scenarios"


@pytest.fixture(scope="module")
def pm2010() -> Result:
    return run_replication(load_scenario(SCENARIOS / "peace_mission_2010.yaml").scenario, 0)


def test_it_shares_the_2007_files_and_norms() -> None:
    loaded = load_scenario(SCENARIOS / "peace_mission_2010.yaml")
    assert loaded.files == (
        SCENARIOS / "peace_mission_2010.yaml",
        SCENARIOS / "peace_mission_2007.yaml",
    )
    flagship = load_scenario(SCENARIOS / "peace_mission_2007.yaml").scenario
    types = {t.id: t for t in loaded.scenario.transport_types}
    for ttype in flagship.transport_types:
        assert types[ttype.id] == ttype
    nodes = {n.id: n for n in loaded.scenario.nodes}
    for node in flagship.nodes:
        assert nodes[node.id] == node


def test_pla_echelons_change_gauge_at_alashankou_and_enter_at_dostyk(pm2010: Result) -> None:
    rows = {r["id"]: r for r in unit_rows(pm2010)}
    for unit in ("pla_echelon_1", "pla_echelon_2", "pla_echelon_3"):
        row = rows[unit]
        assert row["status"] == "closed"
        assert [t["place"] for t in row["transfers"]] == ["alashankou"]
        assert row["route"][0] == "zhurihe" and row["route"][-1] == "otar"
        assert "dostyk" in row["route"]
        assert 4_500 <= row["km"] <= 5_500  # about 5,000 km in all (press), not a target


def test_russian_echelons_cross_at_iletsk_without_a_gauge_break(pm2010: Result) -> None:
    rows = {r["id"]: r for r in unit_rows(pm2010)}
    for n in range(1, 5):
        row = rows[f"ru_echelon_{n}"]
        assert row["status"] == "closed" and row["transfers"] == []
        assert row["route"][:3] == ["totskoye", "orenburg", "iletsk"]
        assert row["route"][-1] == "otar"


def test_every_unit_moves_after_its_reported_departure(pm2010: Result) -> None:
    rows = {r["id"]: r for r in unit_rows(pm2010)}
    assert all(r["depart"] >= r["ready"] for r in rows.values())
    assert {r["nation"] for r in rows.values()} == {"CN", "RU"}
