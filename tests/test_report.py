"""The HTML report of a saved run: complete, self-contained, escaped, never overwriting.

Runs of the flagship and of the river crossing are saved, then reported on.
The page must hold every section and one embedded chart per chart file,
reach nothing outside itself, escape scenario text, and leave an earlier
report alone.  A folder that is not a saved run is bad input (exit 2, one
line, no traceback).  The slow test opens the page in a headless Chromium.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.commands.report import report, report_for
from simulator.report.charts import PNG_CHARTS, PNG_DPI

ROOT = Path(__file__).parent.parent
FLAGSHIP = ROOT / "scenarios" / "peace_mission_2007.yaml"
RIVER = ROOT / "scenarios" / "examples" / "river-crossing.yaml"
CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")

SECTIONS = (
    "scenario", "key-figures", "timeline", "units", "closure", "routes", "milestones",
    "bottlenecks", "assets", "shortfalls", "provenance",
)  # fmt: skip
DATA_URI = re.compile(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')
IMG = re.compile(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" width="(\d+)" '
                 r'height="(\d+)"')  # fmt: skip


def saved_run(scenario: Path, out: Path) -> Path:
    """Run ``scenario`` with ``tabletop run`` and return its new run folder."""
    result = CliRunner().invoke(main, ["run", str(scenario), "--out", str(out)])
    assert result.exit_code == 0, result.output
    (folder,) = [p for p in out.glob("*/*") if p.is_dir()]
    return folder


@pytest.fixture(scope="module", params=[FLAGSHIP, RIVER], ids=["flagship", "river"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved run with its report built once; the report's path."""
    folder = saved_run(request.param, tmp_path_factory.mktemp("runs"))
    page = report_for(folder)
    assert page == folder / "report.html"
    return page


def without_data(page: str) -> str:
    """The page with its embedded images cut out (base64 can spell anything)."""
    return DATA_URI.sub('src=""', page)


def test_every_section(built: Path) -> None:
    page = built.read_text("utf-8")
    for key in SECTIONS:
        assert f'id="{key}"' in page, key
    summary = json.loads((built.parent / "summary.json").read_text("utf-8"))
    assert ('id="airdrops"' in page) == bool(summary["airdrops"])
    for milestone in summary["milestones"]:
        assert milestone["id"] in page
    assert "Closure per nation" in page and "Critical path" in page
    # The per-unit table: a row per unit, with its ready time and its waits.
    units = page[page.index('id="units"') : page.index("</section>", page.index('id="units"'))]
    assert '<th scope="col">ready</th>' in units and "transfers (first load)" in units
    assert units.count("<tr>") + units.count('<tr class="late">') == len(summary["units"]) + 1
    assert ('id="tasks"' in page) == any(
        not t["id"].startswith("deploy:") for p in summary["phases"] for t in p["tasks"]
    )


def test_a_chart_per_figure(built: Path) -> None:
    page = built.read_text("utf-8")
    charts = built.parent / "charts"
    names = sorted(p.stem for p in charts.glob("*.svg"))
    # PNG for the slides: the timeline, the closure curve and the map (SVG for every chart).
    assert sorted(p.stem for p in charts.glob("*.png")) == sorted(PNG_CHARTS & set(names))
    assert {"timeline", "closure", "routes"} <= set(names)
    assert sorted(re.findall(r'<figure id="fig-([a-z]+)">', page)) == names
    embedded = DATA_URI.findall(page)
    assert len(embedded) == len(names) == len(IMG.findall(page))
    for width, height in IMG.findall(page):
        assert int(width) > 0 and int(height) > 0
    svgs = {(charts / f"{name}.svg").read_bytes() for name in names}
    assert {base64.b64decode(data) for data in embedded} == svgs
    for name in PNG_CHARTS & set(names):
        png = (charts / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        # 10 inches across at PNG_DPI (the IHDR width), and the resolution said in pHYs.
        assert int.from_bytes(png[16:20], "big") == round(10 * PNG_DPI)
        assert b"pHYs" in png and b"Software" not in png
    for name in names:
        svg = (charts / f"{name}.svg").read_bytes()
        assert b"<svg" in svg and b"<dc:date>" not in svg


def test_flagship_has_the_zoomed_operations_and_the_asset_chart(built: Path) -> None:
    names = {p.stem for p in (built.parent / "charts").glob("*.svg")}
    if "peace_mission_2007" in str(built):
        assert {"operations", "assets"} <= names
    else:  # the river crossing: short operations, no fleets, nothing to zoom
        assert not {"operations", "assets"} & names


def test_self_contained(built: Path) -> None:
    page = without_data(built.read_text("utf-8"))
    assert "http:" not in page and "https:" not in page
    for needle in ("<script", "<link", "@import", "url(", "<iframe", "<object"):
        assert needle not in page.lower(), needle
    assert re.findall(r'src="([^"]*)"', page) == [""] * page.count("<img")
    assert "@media print" in page


def test_scenario_text_is_escaped(tmp_path: Path) -> None:
    title = "<script>alert('$x$ & $')</script>"
    text = RIVER.read_text("utf-8")
    text = text.replace("title: River crossing (fictional example)", f'title: "{title}"')
    hostile = 'name: "<img src=x onerror=alert(1)>",'
    text = text.replace("{id: garrison, country:", f"{{id: garrison, {hostile} country:")
    text = text.replace(
        "{id: lead_battalions, nation:", f"{{id: lead_battalions, {hostile} nation:"
    )
    assert title in text and text.count("onerror") == 2
    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(text, "utf-8")
    page = report_for(saved_run(scenario, tmp_path / "out")).read_text("utf-8")
    assert "<script" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;$x$ &amp; $&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the unit, on the critical path


def test_a_second_report_does_not_overwrite_the_first(built: Path) -> None:
    folder = built.parent
    first = built.read_bytes()
    charts = {p.name: p.read_bytes() for p in (folder / "charts").iterdir()}
    result = CliRunner().invoke(report, [str(folder)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(folder / "report-2.html")
    assert built.read_bytes() == first
    # The same run draws the same bytes: the charts are reproducible.
    assert {p.name: p.read_bytes() for p in (folder / "charts").iterdir()} == charts
    assert not list(folder.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "missing summary.json, manifest.json, events.jsonl"),
        ({"summary.json": "{", "manifest.json": "{}", "events.jsonl": ""},
         "summary.json is not valid JSON"),
        ({"summary.json": "[]", "manifest.json": "{}", "events.jsonl": ""}, "JSON object"),
    ],
    ids=["empty", "bad-json", "not-an-object"],
)  # fmt: skip
def test_not_a_saved_run(tmp_path: Path, files: dict[str, str], message: str) -> None:
    for name, content in files.items():
        (tmp_path / name).write_text(content, "utf-8")
    result = CliRunner().invoke(report, [str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "not a saved run" in result.output and message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "report.html").exists()


def test_missing_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(report, [str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert result.output == f"error: {tmp_path / 'nowhere'}: not a saved run: no such folder\n"


@pytest.mark.slow
def test_the_page_renders_in_a_browser(built: Path, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):  # continuous integration installs it: never skip there
            pytest.fail("no chromium to open the page with (apt-get install chromium)")
        pytest.skip("no chromium to open the page with (apt-get install chromium)")
    charts = len(list((built.parent / "charts").glob("*.svg")))

    shot = tmp_path / "page.png"
    profile = tmp_path / "profile"
    command = [
        str(CHROMIUM), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
        "--hide-scrollbars", "--window-size=1400,3000", f"--screenshot={shot}", "--dump-dom",
        built.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    shutil.rmtree(profile, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-2000:]
    # Messages of the page itself (console output, uncaught errors, failed loads), not
    # those of the browser's own services (no D-Bus in a container, and so on).
    page_errors = [
        line for line in done.stderr.splitlines()
        if "CONSOLE" in line or "Uncaught" in line or "net::ERR" in line
    ]  # fmt: skip
    assert not page_errors, page_errors

    dom = done.stdout
    images = IMG.findall(dom)
    assert len(images) == charts
    assert all(int(w) > 0 and int(h) > 0 for w, h in images)
    assert "<h1>" in dom and 'id="milestones"' in dom

    import numpy as np
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1400, 3000)
        pixels = np.asarray(image.convert("RGB"), dtype=int).reshape(-1, 3)
    assert len(np.unique(pixels @ [65536, 256, 1])) > 100  # colours, not a blank page
    # The first chart (the timeline) is on screen: the nation blue of its bars shows.
    blue = (np.abs(pixels - [0x00, 0x72, 0xB2]) < 12).all(axis=1).sum()
    assert blue > 2000


def test_the_print_rules(built: Path) -> None:
    """The print style: A4 and Letter alike, no forced page break, nothing wider than a page.

    A forced break before a section leaves the page before it part empty; a table
    wider than the page makes the browser shrink every page to fit it; a chart taller
    than a page would be cut.  Page counts are left to the eye (docs/report.md).
    """
    page = built.read_text("utf-8")
    css = page[page.index("@media print") :]
    css = css[: css.index("</style>")]
    rules = " ".join(css.split())
    assert "@page { size: auto;" in rules  # the printer's paper: A4 or Letter
    assert "break-before" not in rules
    assert "figure, .card, tr, footer dl { break-inside: avoid; }" in rules
    assert "h2, h3 { break-after: avoid; }" in rules
    # Tables fit the width: names may wrap anywhere, numbers and dates keep their line.
    assert "td { overflow-wrap: anywhere; }" in rules
    assert "th, td.num, td .when { overflow-wrap: normal; }" in rules
    chart = re.search(r"img\.chart \{ width: auto; max-width: (\d+)%; max-height: (\d+)mm;", rules)
    assert chart is not None
    # Letter is 279 mm tall: less 24 mm of margins and room for a heading and a caption.
    assert int(chart.group(1)) <= 100 and int(chart.group(2)) <= 279 - 24 - 25
