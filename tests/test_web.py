"""The web console's HTTP API, through a real server on a free port (standard library client).

Every route, every control, the errors (404, 405, 400 for bad JSON or a
refused change, 403 without the token, 411, 413, 415, 409 after the end),
the event stream delivering a new state after a decision, the debrief page
at the end, escaping of scenario text, and ``tabletop run`` importing no
part of the web console.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.facilitation.lifecycle import open_session
from simulator.facilitation.web.console import Console, Ending
from simulator.facilitation.web.server import MAX_BODY, ConsoleServer

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "scenarios" / "examples" / "one-train.yaml"

DECISION = """
injects:
  - id: strike_threat
    kind: decision
    at: 2030-01-01T04:00:00Z
    decision:
      prompt: The unions threaten a strike at the <b>depot</b>. What now?
      default: go
      options:
        - id: go
          label: Go as planned
        - id: wait
          label: Hold the train five hours at the depot <script>alert(1)</script>
          changes:
            - {kind: hold, node: depot, duration_h: 5, cause: strike}
"""


class Served:
    """A console served on 127.0.0.1 in a thread, with a small client."""

    def __init__(self, file: Path, out: Path, host: str = "127.0.0.1") -> None:
        loaded, log, session = open_session(file, 0, ("day",), out)
        self.console = Console(session, Ending(loaded, log, out, ["tabletop", "play"]))
        self.server = ConsoleServer(self.console, host, 0, "the-token")
        self.host = host
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.server.port, timeout=10)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        conn = self.connection()
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, dict(response.getheaders()), data

    def get(self, path: str) -> tuple[int, Any]:
        status, headers, data = self.request("GET", path)
        if headers.get("Content-Type", "").startswith("application/json"):
            return status, json.loads(data)
        return status, data.decode()

    def post(self, action: str, body: Any = None, token: str | None = "the-token") -> Any:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["X-Tabletop-Token"] = token
        status, _, data = self.request(
            "POST", f"/api/{action}", json.dumps(body or {}).encode(), headers
        )
        return status, json.loads(data)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.console.saved is None:
            self.console.ending.log.close()


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    file = tmp_path / "strike.yaml"
    file.write_text(EXAMPLE.read_text() + DECISION)
    return file


@pytest.fixture
def served(scenario_file: Path, tmp_path: Path) -> Iterator[Served]:
    running = Served(scenario_file, tmp_path / "results")
    running.console.act("advance", {})  # from the first stop (00:00) to the decision (04:00)
    yield running
    running.stop()


# ---------------------------------------------------------------- pages and data
def test_pages_and_their_assets(served: Served) -> None:
    status, page = served.get("/room")
    assert status == 200 and 'data-view="room"' in page
    assert "/static/console.js" in page and "http" not in page.replace("http-equiv", "")
    status, page = served.get("/console?token=the-token")
    assert status == 200 and 'data-view="console"' in page
    for name, kind in (("console.js", "text/javascript"), ("console.css", "text/css")):
        status, headers, data = served.request("GET", f"/static/{name}")
        assert status == 200 and headers["Content-Type"].startswith(kind) and data
    status, headers, _ = served.request("GET", "/room")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, _ = served.request("GET", "/")
    assert status == 303 and headers["Location"] == "/room"


def test_the_script_never_inserts_html() -> None:
    script = (ROOT / "simulator/facilitation/web/static/console.js").read_text()
    assert "innerHTML" not in script and "outerHTML" not in script
    assert "insertAdjacentHTML" not in script and "document.write" not in script


def test_map_and_state(served: Served) -> None:
    status, data = served.get("/api/map")
    assert status == 200
    assert {n["name"] for n in data["nodes"]} >= {"Depot", "Garrison"} or data["nodes"]
    assert data["countries"] == []  # the example's country names no Natural Earth feature
    assert data["links"] and data["width"] == 1000
    status, state = served.get("/api/state")
    assert status == 200
    assert state["clock"]["utc"] == "2030-01-01 04:00 UTC"
    (pending,) = state["pending"]
    assert pending["inject"] == "strike_threat"
    assert [o["id"] for o in pending["options"]] == ["go", "wait"]
    assert state["delta"] is None and state["ended"] is False


# ---------------------------------------------------------------- controls
def test_choose_then_undo(served: Served) -> None:
    status, answer = served.post("choose", {"inject": "strike_threat", "option": "wait"})
    assert status == 200 and answer["said"].startswith("taken: Hold the train")
    _, state = served.get("/api/state")
    assert state["pending"] == [] and state["can_undo"]
    assert state["delta"]["said"].startswith("taken: Hold")
    assert any("waits at" in line for line in state["delta"]["lines"])
    status, answer = served.post("undo")
    assert status == 200 and answer["said"] == "undone; the clock is back at 2030-01-01 04:00 UTC"
    _, state = served.get("/api/state")
    assert state["pending"] and not state["can_undo"]


def test_advance_change_note_and_end(served: Served) -> None:
    served.post("choose", {"inject": "strike_threat", "option": "go"})
    status, answer = served.post("advance", {"to": "2030-01-01T06:00"})
    assert status == 200 and answer["said"] == "now 2030-01-01 06:00 UTC"
    status, answer = served.post("change", {"text": "hold depot 2 customs dispute"})
    assert status == 200 and answer["said"].endswith("hold depot 2 customs dispute")
    status, answer = served.post("note", {"text": "the room  asks who pays"})
    assert status == 200 and answer["said"] == "noted"
    status, _ = served.post("advance")
    assert status == 200
    _, state = served.get("/api/state")
    assert [r["text"] for r in state["records"]] == [
        "decided: Go as planned", "change: hold depot 2 customs dispute",
        "note: the room asks who pays",
    ]  # fmt: skip
    status, page = served.get("/debrief")
    assert status == 404
    status, answer = served.post("end")
    assert status == 200 and answer["said"].startswith("saved: ")
    folder = served.console.saved.folder  # type: ignore[union-attr]
    assert {"debrief.md", "debrief.html", "session.jsonl", "summary.json"} <= {
        p.name for p in folder.iterdir()
    }
    status, page = served.get("/debrief")
    assert status == 200 and "Debrief:" in page and "the room asks who pays" in page
    _, state = served.get("/api/state")
    assert state["ended"] and state["debrief"] == "/debrief"
    status, answer = served.post("advance")
    assert status == 409 and "over" in answer["error"][0]


def test_refused_controls_are_400_with_the_reason(served: Served) -> None:
    status, answer = served.post("choose", {"inject": "strike_threat", "option": "nope"})
    assert status == 400 and answer == {
        "error": ["strike_threat: no option 'nope' (options: go, wait)"]
    }
    status, answer = served.post("advance")
    assert status == 400 and answer["error"] == ["decide 'strike_threat' first"]
    status, answer = served.post("change", {"text": "hold nowhere 5"})
    assert status == 400 and "nowhere" in answer["error"][0]
    status, answer = served.post("note", {"text": 3})
    assert status == 400 and answer["error"] == ["'text' must be text"]
    status, answer = served.post("note", {"text": "x" * 2001})
    assert status == 400 and "2000" in answer["error"][0]
    status, answer = served.post("advance", {"to": True})
    assert status == 400
    status, answer = served.post("fly")
    assert status == 404 and "no action 'fly'" in answer["error"][0]


# ---------------------------------------------------------------- bad requests
def test_unknown_paths_and_methods(served: Served) -> None:
    for path in ("/nowhere", "/static/../server.py", "/static/room.html", "/api/nothing"):
        status, answer = served.get(path)
        assert status == 404, path
        assert "Traceback" not in json.dumps(answer)
    for method in ("PUT", "DELETE", "OPTIONS", "BREW"):
        status, _, data = served.request(method, "/api/state")
        assert status == 405, method
        assert b"Traceback" not in data


def test_the_token_guards_the_controls(served: Served) -> None:
    before = served.console.version
    status, answer = served.post("choose", {"inject": "strike_threat", "option": "go"}, None)
    assert status == 403 and answer["error"] == ["controls need the facilitator's token"]
    status, answer = served.post("choose", {"inject": "strike_threat", "option": "go"}, "guess")
    assert status == 403
    status, _ = served.get("/console")
    assert status == 403
    status, _ = served.get("/console?token=guess")
    assert status == 403
    assert served.console.version == before  # nothing was done


def test_bound_elsewhere_the_room_reads_and_only_the_token_controls(
    scenario_file: Path, tmp_path: Path
) -> None:
    # 127.0.0.2 stands for a room's network here: an address given with --host.
    running = Served(scenario_file, tmp_path / "results", host="127.0.0.2")
    running.console.act("advance", {})
    try:
        facilitator, room = running.server.urls()
        assert facilitator.endswith("/console?token=the-token") and room.endswith("/room")
        assert running.get("/room")[0] == 200 and running.get("/api/state")[0] == 200
        status, _ = running.post("undo", token=None)
        assert status == 403
        status, _ = running.post("choose", {"inject": "strike_threat", "option": "go"})
        assert status == 200
    finally:
        running.stop()


def test_bodies_must_be_small_json_objects(served: Served) -> None:
    token = {"X-Tabletop-Token": "the-token"}
    json_kind = {"Content-Type": "application/json", **token}
    status, _, data = served.request("POST", "/api/note", b"{not json", json_kind)
    assert status == 400 and json.loads(data) == {"error": ["the body is not JSON"]}
    status, _, data = served.request("POST", "/api/note", b"[1, 2]", json_kind)
    assert status == 400 and json.loads(data) == {"error": ["the body must be a JSON object"]}
    status, _, data = served.request("POST", "/api/note", b'{"text": NaN}', json_kind)
    assert status == 400
    status, _, data = served.request("POST", "/api/note", b"\xff\xfe", json_kind)
    assert status == 400
    status, _, _ = served.request("POST", "/api/note", b'{"text": "x"}',
                                  {"Content-Type": "text/plain", **token})  # fmt: skip
    assert status == 415
    big = json.dumps({"text": "x" * MAX_BODY}).encode()
    status, _, data = served.request("POST", "/api/note", big, json_kind)
    assert status == 413 and b"larger than" in data
    conn = served.connection()
    conn.putrequest("POST", "/api/note")
    for key, value in json_kind.items():
        conn.putheader(key, value)
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 411
    conn.close()


def test_another_host_name_is_refused_on_loopback(served: Served) -> None:
    # A page of another site reaching 127.0.0.1 through its own name (DNS rebinding).
    status, _, data = served.request("GET", "/api/state", headers={"Host": "evil.example:80"})
    assert status == 400 and b"own address" in data


# ---------------------------------------------------------------- the event stream
def test_events_deliver_a_state_after_a_decision(served: Served) -> None:
    conn = served.connection()
    conn.request("GET", "/api/events")
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/event-stream")

    def next_state() -> dict[str, Any]:
        lines = []
        while True:
            line = response.fp.readline().decode()
            if line.startswith(":"):
                continue
            if line == "\n" and lines:
                break
            lines.append(line)
        assert lines[0] == "event: state\n"
        return dict(json.loads(lines[1][len("data: ") :]))

    first = next_state()
    assert first["pending"] and first["delta"] is None
    served.post("choose", {"inject": "strike_threat", "option": "wait"})
    second = next_state()
    assert second["version"] > first["version"]
    assert second["pending"] == [] and second["delta"]["said"].startswith("taken: Hold")
    conn.close()


# ---------------------------------------------------------------- escaping
def test_scenario_text_is_escaped_in_the_debrief(served: Served) -> None:
    served.post("choose", {"inject": "strike_threat", "option": "wait"})
    served.post("note", {"text": "<img src=x onerror=alert(1)> & more"})
    served.post("end")
    _, page = served.get("/debrief")
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; more" in page
    assert "<b>depot</b>" not in page and "&lt;b&gt;depot&lt;/b&gt;" in page
    assert "<script" not in page  # the page has no script at all


# ---------------------------------------------------------------- the command line
def test_run_imports_no_web_module() -> None:
    code = (
        "import sys; from simulator import cli; "
        "print([m for m in sys.modules if 'web' in m.split('.') or m.startswith('http.server')])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--web", "--replay", "LOG"], "--web starts a new session"),
        (["--host", "0.0.0.0"], "--host and --port go with --web"),
        (["--port", "8000"], "--host and --port go with --web"),
    ],
)
def test_web_options_misused(scenario_file: Path, args: list[str], message: str) -> None:
    args = [str(scenario_file) if a == "LOG" else a for a in args]
    result = CliRunner().invoke(main, ["play", str(scenario_file), *args])
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


def test_a_port_in_use_is_one_line(scenario_file: Path, tmp_path: Path, served: Served) -> None:
    port = str(served.server.port)
    args = ["play", str(scenario_file), "--web", "--out", str(tmp_path), "--port", port]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert f"cannot listen on 127.0.0.1:{served.server.port}" in result.output
    assert "Traceback" not in result.output


def test_flagship_map_labels_and_names_keep_off_the_markers() -> None:
    from simulator.facilitation.web import mapdata
    from simulator.facilitation.web.view import important_places
    from simulator.loading import load_scenario
    from simulator.model.run import run_replication

    scenario = load_scenario(ROOT / "scenarios" / "peace_mission_2007.yaml").scenario
    important = important_places(run_replication(scenario, 0))
    data = mapdata.map_data(scenario, important)

    def box(x: float, y: float, half: float) -> tuple[float, float, float, float]:
        return (x - half, y - half, x + half, y + half)

    def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])

    # Where loads gather (the places on a route), the room of their markers; the symbols.
    marks = [box(n["x"], n["y"], mapdata.GATHER if n["important"] else 7.0) for n in data["nodes"]]
    marks += [box(b["x"], b["y"], mapdata.BREAK_HALF) for b in data["gauge_breaks"]]
    marks += [box(c["x"], c["y"], mapdata.CROSSING_HALF) for c in data["crossings"]]
    size = data["country_size"]
    names = [
        (c["x"] - c["width"] / 2, c["y"] - size, c["x"] + c["width"] / 2, c["y"] + 0.4 * size)
        for c in data["countries"]
        if c["x"] is not None
    ]
    assert len(names) >= 4  # Russia, China, Kazakhstan, Tajikistan, ... are named
    assert not [(n, m) for n in names for m in marks if overlap(n, m)]
    # Each label is drawn at (x, y) with its alignment; its box must miss the other places.
    by_name = {n["name"]: n for n in data["nodes"]}
    for label in data["labels"]:
        height = 1.25 * data["label_size"] * len(label["lines"])
        width = 0.6 * data["label_size"] * 1.1 * max(map(len, label["lines"]))
        x0 = {"left": label["x"], "right": label["x"] - width}.get(
            label["ha"], label["x"] - width / 2
        )
        y0 = {"bottom": label["y"] - height, "top": label["y"]}.get(
            label["va"], label["y"] - height / 2
        )
        own = [by_name[n] for n in by_name if any(line in n for line in label["lines"])]
        for node in data["nodes"]:
            if node in own:
                continue
            half = mapdata.GATHER if node["important"] else 7.0
            assert not overlap(
                (x0, y0, x0 + width, y0 + height), box(node["x"], node["y"], half)
            ), (label["lines"], node["name"])
