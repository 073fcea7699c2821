"""The report's map data and what it marks; label placement; assets' active window.

Country outlines clipped to a box stay inside it; a wrong ``iso`` code is bad
input with the nearest valid code; gauge breaks and border crossings are
found on a tiny network; no two placed labels overlap, whatever the places;
and the active-window utilisation of a one-train run is exact.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import geo
from simulator.cli import main
from simulator.report.charts.labels import (
    Place,
    Rect,
    free_spot,
    group_places,
    place_labels,
)

ROOT = Path(__file__).parent.parent
FLAGSHIP = ROOT / "scenarios" / "peace_mission_2007.yaml"
ONE_TRAIN = ROOT / "scenarios" / "examples" / "one-train.yaml"


def test_borders_are_clipped_to_the_box() -> None:
    box = geo.Box(60.0, 40.0, 80.0, 50.0)
    found = {b.iso: b for b in geo.borders(box)}
    assert {"KAZ", "KGZ", "UZB"} <= set(found)
    assert "CHN" in found and "USA" not in found and "AUS" not in found
    for border in found.values():
        for ring in border.rings:
            assert len(ring) >= 3
            for lon, lat in ring:
                assert 60.0 - 1e-9 <= lon <= 80.0 + 1e-9
                assert 40.0 - 1e-9 <= lat <= 50.0 + 1e-9
    # Kazakhstan reaches past every side of this box: its clip touches all four edges.
    points = [p for ring in found["KAZ"].rings for p in ring]
    assert min(p[0] for p in points) == 60.0 and max(p[0] for p in points) == 80.0
    assert max(p[1] for p in points) == 50.0


def test_clip_ring_of_a_square() -> None:
    square = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)]
    clipped = geo.clip_ring(square, geo.Box(2.0, -1.0, 6.0, 3.0))
    assert sorted(clipped) == [(2.0, 0.0), (2.0, 3.0), (4.0, 0.0), (4.0, 3.0)]
    assert geo.clip_ring(square, geo.Box(5.0, 5.0, 6.0, 6.0)) == ()


def test_iso_codes() -> None:
    codes = geo.iso_codes()
    assert codes["KAZ"] == "Kazakhstan" and codes["RUS"] == "Russia"
    assert geo.nearest_iso("KZ") == "KAZ"
    assert geo.nearest_iso("kazakhstan") == "KAZ"
    assert geo.nearest_iso("XX", "Russia") == "RUS"
    assert geo.nearest_iso("RUSS") == "RUS"


def test_an_unknown_iso_code_is_bad_input(tmp_path: Path) -> None:
    text = FLAGSHIP.read_text("utf-8").replace("iso: KAZ", "iso: KZ")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, "utf-8")
    line = text.splitlines().index("    iso: KZ") + 1
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"bad.yaml:{line}: countries[2].iso: unknown ISO 3166-1 alpha-3 code 'KZ'" in (
        result.output
    )
    assert "(did you mean 'KAZ', Kazakhstan?)" in result.output


TINY = {
    "countries": [
        {"id": "A"},
        {"id": "B", "transit": {"rail": {"policy": "deny", "nations": ["A"]}}},
        {"id": "C", "transit": {"road": "deny"}},
    ],
    "nodes": [
        {"id": "a1", "country": "A", "lat": 0.0, "lon": 0.0},
        {"id": "gate", "country": "A", "lat": 0.0, "lon": 1.0, "kind": ["station", "border"]},
        {"id": "b1", "country": "B", "lat": 0.0, "lon": 2.0},
        {"id": "b2", "country": "B", "lat": 0.0, "lon": 3.0},
        {"id": "c1", "country": "C", "lat": 1.0, "lon": 3.0},
    ],
    "links": [
        {"id": "r1", "a": "a1", "b": "gate", "mode": "rail", "gauge_mm": 1435},
        {"id": "r2", "a": "gate", "b": "b1", "mode": "rail", "gauge_mm": 1520},
        {"id": "r3", "a": "b1", "b": "b2", "mode": "rail", "gauge_mm": 1520},
        {"id": "road", "a": "b2", "b": "c1", "mode": "road"},
        {"id": "air", "a": "a1", "b": "c1", "mode": "air"},
    ],
}


def test_gauge_breaks_and_border_crossings_of_a_tiny_network() -> None:
    assert geo.gauge_breaks(TINY) == ["gate"]
    # The border node itself, then the road from B into C at its middle; r2 ends at the
    # border node (already marked) and the air link crosses no ground border.
    assert geo.border_crossings(TINY) == [("gate", (1.0, 0.0)), ("road", (3.0, 0.5))]
    denied = [geo.transit_denied(c) for c in TINY["countries"]]
    assert denied == [{}, {"rail": ["A"]}, {"road": None}]


def _measure(text: str, important: bool) -> tuple[float, float]:
    lines = text.split("\n")
    return (7.0 * max(len(x) for x in lines), 14.0 * len(lines) * (1.1 if important else 1.0))


places_strategy = st.lists(
    st.tuples(
        st.floats(0, 600), st.floats(0, 400), st.text("abcdefghij ", min_size=1, max_size=18),
        st.booleans(), st.sampled_from([0.0, 4.0, 14.0]),
    ),
    min_size=1,
    max_size=40,
)  # fmt: skip


def _marker(place: Place, marker_px: float) -> Rect:
    r = place.radius or marker_px
    return Rect(place.x - r, place.y - r, place.x + r, place.y + r)


@settings(max_examples=60, deadline=None)
@given(places_strategy)
def test_placed_labels_never_overlap(raw: list[tuple[float, float, str, bool, float]]) -> None:
    places = [Place(f"p{i}", x, y, name, imp, r) for i, (x, y, name, imp, r) in enumerate(raw)]
    frame = Rect(0.0, 0.0, 600.0, 400.0)
    reserved = [Rect(250.0, 180.0, 350.0, 220.0)]
    labels = place_labels(
        places, _measure, frame, points_to_px=1.4, marker_px=8.0, group_px=20.0,
        reserved=reserved,
    )  # fmt: skip
    boxes = [label.box for label in labels]
    for i, box in enumerate(boxes):
        assert box.inside(frame)
        assert box.overlap(reserved[0]) == 0
        for other in boxes[i + 1 :]:
            assert box.overlap(other) == 0
    # No label covers the marker of a place (its own markers are beside it, not under it).
    for label in labels:
        own = {p.key for p in label.places}
        for place in places:
            if place.key not in own:
                assert label.box.overlap(_marker(place, 8.0)) == 0, (label.text, place.key)
    # Each place is named by at most one label.
    named = [p.key for label in labels for p in label.places]
    assert len(named) == len(set(named))


def test_near_places_share_one_label() -> None:
    places = [
        Place("north", 100.0, 110.0, "North", True),
        Place("south", 100.0, 95.0, "South", True),
        Place("middle", 108.0, 100.0, "Middle", True),
        Place("far", 300.0, 100.0, "Far", True),
    ]
    groups = group_places(places, group_px=20.0)
    assert [[p.key for p in g] for g in groups] == [["north", "middle", "south"], ["far"]]
    labels = place_labels(
        places, _measure, Rect(0, 0, 600, 400), points_to_px=1.4, marker_px=8.0, group_px=20.0
    )
    grouped = next(label for label in labels if len(label.places) == 3)
    assert grouped.text == "North\nMiddle\nSouth" and grouped.leader


def test_utilisation_over_the_active_window_is_exact(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", str(ONE_TRAIN), "--no-save", "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    (trains,) = [a for a in summary["assets"] if a["asset"] == "trains"]
    # One carrier, one trip: from loading at 06:00 until it is back at the depot; the
    # window is that trip, so the carrier was busy all of it.
    assert trains["active_from"] == "2030-01-01T06:00Z"
    assert trains["active_utilisation"] == 1.0
    busy = trains["busy_h"]
    # The run's horizon starts at 00:00, 6 h before the trip, and ends when it does.
    assert trains["utilisation"] == round(busy / (6.0 + busy), 4) < 1.0


def test_a_label_keeps_off_a_large_marker_of_its_own_place() -> None:
    # A gauge-break square of half-size 20 px: the label starts beyond it.
    place = Place("junction", 300.0, 200.0, "Junction", True, 20.0)
    (label,) = place_labels(
        [place], _measure, Rect(0, 0, 600, 400), points_to_px=1.4, marker_px=8.0, group_px=20.0
    )
    assert label.box.overlap(_marker(place, 8.0)) == 0
    assert (
        label.dx == pytest.approx(20.0 + 2.0 - 8.0 + 7.0 * 1.4) and label.dy == 0.0
    )  # right of it, nearest ring


def test_free_spot_takes_the_first_unblocked_centre() -> None:
    blocked = [Rect(90, 90, 110, 110)]
    # 40 x 10 text: centred on (100, 100) it covers the box, on (100, 120) it does not.
    assert free_spot([(100, 100), (100, 120), (0, 0)], 40, 10, blocked) == (100, 120)
    assert free_spot([(100, 100), (105, 95)], 40, 10, blocked) is None
    assert free_spot([(5, 5)], 40, 10, []) == (5, 5)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 500), st.floats(0, 500)), min_size=1, max_size=30),
    st.lists(st.tuples(st.floats(0, 500), st.floats(0, 500), st.floats(1, 40)), max_size=20),
)
def test_free_spot_never_covers_a_blocked_box(
    centres: list[tuple[float, float]], raw: list[tuple[float, float, float]]
) -> None:
    blocked = [Rect(x - r, y - r, x + r, y + r) for x, y, r in raw]
    spot = free_spot(centres, 60.0, 16.0, blocked)
    if spot is None:
        return
    assert spot in centres
    box = Rect(spot[0] - 32, spot[1] - 10, spot[0] + 32, spot[1] + 10)
    assert all(box.overlap(b) == 0 for b in blocked)
