"""Flying windows: daylight-only ferry flights, staging overnight, worked out by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from simulator.model.run import run_replication
from simulator.model.windows import flying_wait, local_hour
from simulator.scenario.models import FlyingWindow
from tests.scenarios import air, base, node, plane, scenario, unit
from tests.test_exact_timings import log, waits

DAY = {"start_h": 6, "end_h": 20}


def helicopters(window: dict[str, float] | None, ready: str, **extra: object) -> dict:
    """Two 400 km legs at 200 km/h (2 h each), a 1 h fuel stop between, local time UTC+2."""
    helo = plane("helo", speed_kmh=200, range_km=500, refuel_h=1)
    if window is not None:
        helo["flying_window"] = window
    return base(
        countries=[{"id": "A", "utc_offset_h": 2}, {"id": "B"}],
        nodes=[node("alt"), node("bar", lon=1, **extra), node("dst", lon=2)],
        links=[air("l1", "alt", "bar", 400), air("l2", "bar", "dst", 400)],
        transport_types=[helo],
        forces=[unit("helos", "alt", "dst", "self_deploy", personnel=4, vehicle="helo",
                     vehicles=2, ready=ready)],
    )  # fmt: skip


def test_a_flight_inside_the_window_is_not_delayed() -> None:
    # Ready 06:00 UTC = 08:00 local: 2 h to bar (10:00), fuel to 11:00, 2 h on (13:00 local,
    # hour 11).
    result = run_replication(scenario(helicopters(DAY, "2030-01-01T06:00:00Z")))
    assert log(result, "arrive") == [(11.0, "helos#1", "arrive", "dst")]
    assert waits(result) == []


def test_the_group_stays_overnight_at_the_staging_airfield() -> None:
    # Ready 14:00 UTC = 16:00 local. To bar 16:00-18:00 local; fuel to 19:00; the 2 h leg
    # would land at 21:00, after 20:00: wait to 06:00 local next day (11 h), land 08:00
    # local = 06:00 UTC on 2 Jan, i.e. hour 30.
    result = run_replication(scenario(helicopters(DAY, "2030-01-01T14:00:00Z")))
    assert log(result, "reach", "stop", "arrive") == [
        (16.0, "helos#1", "reach", "bar"),
        (17.0, "helos#1", "stop", "bar"),
        (30.0, "helos#1", "reach", "dst"),
        (30.0, "helos#1", "arrive", "dst"),
    ]
    assert waits(result) == [(28.0, "helos#1", "bar", "flying_window", 11.0)]


def test_a_group_ready_at_night_leaves_when_the_window_opens() -> None:
    # Ready 22:00 UTC = 00:00 local: waits 6 h, leaves 06:00 local (04:00 UTC, hour 28).
    result = run_replication(scenario(helicopters(DAY, "2030-01-01T22:00:00Z")))
    assert waits(result)[0] == (28.0, "helos#1", "alt", "flying_window", 6.0)
    assert log(result, "arrive") == [(33.0, "helos#1", "arrive", "dst")]


def test_customs_at_the_staging_airfield_count_before_the_window() -> None:
    # As overnight, with 2 h of customs at bar: at bar 18:00 UTC = 20:00 local (after
    # the 2 h border time), fuel to 21:00 local, wait to 06:00 (9 h), land 08:00 local.
    result = run_replication(scenario(helicopters(DAY, "2030-01-01T14:00:00Z", border_h=2)))
    assert log(result, "border", "arrive") == [
        (18.0, "helos#1", "border", "bar"),
        (30.0, "helos#1", "arrive", "dst"),
    ]
    assert waits(result) == [(28.0, "helos#1", "bar", "flying_window", 9.0)]


def test_without_a_window_the_group_flies_on_at_night() -> None:
    result = run_replication(scenario(helicopters(None, "2030-01-01T14:00:00Z")))
    assert log(result, "arrive") == [(19.0, "helos#1", "arrive", "dst")]


def test_a_node_offset_overrides_the_country() -> None:
    # bar keeps UTC+0: reach 16:00 UTC, fuel to 17:00 = 17:00 local, lands 19:00 local.
    data = helicopters(DAY, "2030-01-01T14:00:00Z")
    data["nodes"][1]["utc_offset_h"] = 0
    result = run_replication(scenario(data))
    assert log(result, "arrive") == [(19.0, "helos#1", "arrive", "dst")]
    assert waits(result) == []


def test_an_airlift_waits_for_the_window_too() -> None:
    data = base(
        countries=[{"id": "A", "utc_offset_h": 0}, {"id": "B"}],
        nodes=[node("a"), node("b", lon=1)],
        links=[air("ab", "a", "b", 1000)],
        transport_types=[plane(flying_window={"start_h": 8, "end_h": 18}, load_h=1)],
        fleets=[{"id": "lift", "type": "plane", "count": 1, "base": "a"}],
        forces=[unit("u", "a", "b", "air", personnel=50)],
    )
    # Loaded 00:00-01:00; the 2 h flight waits to 08:00, lands 10:00.
    result = run_replication(scenario(data))
    assert log(result, "arrive") == [(10.0, "u#1", "arrive", "b")]
    assert (8.0, "u#1", "a", "flying_window", 7.0) in waits(result)


def test_the_window_is_refused_backwards_and_on_other_modes() -> None:
    with pytest.raises(ValidationError, match="must be later than start_h"):
        FlyingWindow.model_validate({"start_h": 20, "end_h": 6})
    data = helicopters(None, "2030-01-01T14:00:00Z")
    data["transport_types"].append(
        {"id": "t", "mode": "road", "speed_kmh": 30, "flying_window": DAY}
    )
    with pytest.raises(ValidationError, match="`flying_window` applies to air"):
        scenario(data)


def test_local_hour_counts_from_the_clock_start() -> None:
    import datetime as dt

    start = dt.datetime(2030, 1, 1, 18, tzinfo=dt.UTC)
    assert local_hour(start, 3.0, 8.0) == pytest.approx(5.0)  # 21:00 UTC = 05:00 at UTC+8


@given(
    start=st.integers(0, 22), span=st.integers(1, 23), local=st.floats(0, 23.99),
    flight=st.floats(0, 30),
)  # fmt: skip
def test_after_the_wait_a_flight_fits_or_starts_the_window(
    start: int, span: int, local: float, flight: float
) -> None:
    window = FlyingWindow(start_h=start, end_h=min(24, start + span))
    wait = flying_wait(window, local, flight)
    assert 0.0 <= wait < 24.0
    off = (local + wait) % 24.0
    if wait:
        assert off == pytest.approx(window.start_h, abs=1e-6)
    if flight <= window.end_h - window.start_h:
        assert window.start_h - 1e-6 <= off and off + flight <= window.end_h + 1e-6
