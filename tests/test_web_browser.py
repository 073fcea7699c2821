"""The web console in a real browser (Playwright driving Debian's Chromium; nothing downloaded).

A scripted session on the flagship: open the facilitator's view and the room
view; advance to the Kazakh decision and take an option; the room view's
milestone panel and map change within a second; undo; end the session and
open the debrief. Along the way no page logs an error, and every request a
page makes goes to the console's own address on 127.0.0.1 (any other is
aborted and fails the test). Where Chromium is missing the test is skipped,
except under continuous integration (``CI`` set), where it fails.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.facilitation.lifecycle import open_session
from simulator.facilitation.web.console import Console, Ending
from simulator.facilitation.web.server import ConsoleServer
from tests.browser import ARGS, CHROMIUM, SHOTS, browser_or_skip

ROOT = Path(__file__).parent.parent
FLAGSHIP = ROOT / "scenarios" / "peace_mission_2007.yaml"


@pytest.fixture
def console_url(tmp_path: Path) -> Iterator[tuple[str, Console]]:
    loaded, log, session = open_session(FLAGSHIP, 0, ("day",), tmp_path / "results")
    console = Console(session, Ending(loaded, log, tmp_path / "results", ["tabletop", "play"]))
    server = ConsoleServer(console, "127.0.0.1", 0, "browser-token")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}", console
    server.shutdown()
    server.server_close()
    if console.saved is None:
        log.close()


@pytest.mark.slow
def test_a_scripted_session_in_the_browser(console_url: tuple[str, Console]) -> None:
    sync_playwright = browser_or_skip()
    base, console = console_url
    problems: list[str] = []
    requests: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        requests.append(url)
        if url.startswith(base + "/") or url.startswith("data:"):
            route.continue_()
        else:
            problems.append(f"request outside the console: {url}")
            route.abort()

    def watch(page: Any, name: str) -> None:
        page.on("console", lambda m: m.type == "error" and problems.append(f"{name}: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"{name}: {e}"))
        page.on("dialog", lambda d: d.accept())

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1920, "height": 1080})
        context.route("**/*", guard)
        room = context.new_page()
        watch(room, "room")
        room.goto(f"{base}/room")
        room.wait_for_selector("#mapsvg .land.own")
        # The same room view on a smaller projector.
        small = context.new_page()
        watch(small, "small room")
        small.set_viewport_size({"width": 1280, "height": 720})
        small.goto(f"{base}/room")
        small.wait_for_selector("#mapsvg .land.own")
        facilitator = context.new_page()
        watch(facilitator, "console")
        facilitator.set_viewport_size({"width": 1600, "height": 1000})
        facilitator.goto(f"{base}/console?token=browser-token")
        facilitator.wait_for_selector("#mapsvg")

        # The flagship's first stop is the Kazakh decision, on 15 July.
        facilitator.wait_for_selector("button.choose")
        assert "Kazakhstan has not passed" in facilitator.text_content("#decision")
        assert room.text_content("#utc") == "2007-07-15 00:00 UTC"
        assert room.get_attribute("#mapsvg path[data-country='KZ']", "class") == "land own denied"
        shot(room, "room-decision")
        milestones = room.text_content("#milestones")
        legs = room.get_attribute("#mapsvg", "data-legs")

        facilitator.click("button.choose[data-option='transit_now']")
        # The room view follows within a second: the milestones and the legs in use change.
        room.wait_for_function(
            "([m, l]) => document.getElementById('milestones').textContent !== m"
            " && document.getElementById('mapsvg').dataset.legs !== l",
            arg=[milestones, legs], timeout=1000,
        )  # fmt: skip
        assert "rail_dostyk_aktogay" in (room.get_attribute("#mapsvg", "data-legs") or "")
        assert "taken: Press Astana; transit approved at once" in room.text_content("#delta")
        # Rail transit is allowed now; road and air are still denied.
        assert "Kazakhstan (rail)" not in room.text_content("#denied")
        assert "Kazakhstan (road)" in room.text_content("#denied")
        shot(room, "room-after")
        shot(facilitator, "console")
        for page in (room, small):
            page.wait_for_function("() => !document.getElementById('delta').hidden")
            assert_fits(page)

        facilitator.click("#undo")
        room.wait_for_function(
            "m => document.getElementById('milestones').textContent === m",
            arg=milestones, timeout=2000,
        )  # fmt: skip
        assert room.get_attribute("#mapsvg", "data-legs") == legs
        assert "undone" in room.text_content("#delta")
        facilitator.wait_for_selector("button.choose")
        # The decision card and what the undo changed, both shown: still one screen.
        for page in (room, small):
            page.wait_for_function("() => document.getElementById('delta').textContent"
                                   ".includes('undone')")  # fmt: skip
            assert not page.locator("#decision").is_hidden()
            assert_fits(page)
        shot(small, "room-small")

        facilitator.click("button.choose[data-option='round_via_manzhouli']")
        facilitator.wait_for_selector("#next:not([disabled])")
        facilitator.click("#next")
        facilitator.wait_for_function(
            "() => !document.getElementById('utc').textContent.startsWith('2007-07-15')"
        )
        facilitator.fill("#note", "the room asks who pays for the Kazakh trains")
        facilitator.click("#keep")
        facilitator.wait_for_selector("#records li:has-text('who pays')")

        facilitator.click("#end")
        facilitator.wait_for_selector("#ended:not([hidden])", timeout=30000)
        room.wait_for_function(
            "() => document.body.dataset.version && "
            "document.getElementById('status').textContent.includes('over')"
        )
        debrief = context.new_page()
        watch(debrief, "debrief")
        debrief.goto(f"{base}/debrief")
        assert "Debrief:" in debrief.text_content("h1")
        body = debrief.text_content("body")
        assert "Go round through Manzhouli" in body and "who pays for the Kazakh trains" in body
        assert "(undone)" in body
        shot(debrief, "debrief", full=True)
        browser.close()

    assert console.saved is not None and console.saved.page.exists()
    assert problems == []
    assert requests and all(url.startswith(base + "/") for url in requests)


FITS = """() => {
  const W = window.innerWidth, H = window.innerHeight, out = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || e.closest('#status')) continue;
    if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1) {
      out.push(`${e.tagName}.${e.className.baseVal ?? e.className}#${e.id}`);
    }
  }
  const unit = document.querySelector('#units .unit-doing');
  return {outside: out, unitPx: unit ? parseFloat(getComputedStyle(unit).fontSize) : null,
          scrolls: document.documentElement.scrollHeight > H};
}"""
"""Every element of the page with its box within the window; the unit text's size."""


def assert_fits(page: Any) -> None:
    """Nothing in the room view lies beyond the window (a projector does not scroll)."""
    found = page.evaluate(FITS)
    assert found["outside"] == [] and not found["scrolls"], found
    width = page.viewport_size["width"]
    if found["unitPx"] is not None:
        # 18 px at 1080p, and the same share of a smaller screen.
        assert found["unitPx"] >= 18.0 * width / 1920 - 0.5, found


def shot(page: Any, name: str, full: bool = False) -> None:
    """Keep a screenshot when ``TABLETOP_SCREENSHOTS`` names a folder."""
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"console-{name}.png"), full_page=full)
