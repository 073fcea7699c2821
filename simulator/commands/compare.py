"""``tabletop compare A B``: two runs side by side, with the deltas B - A.

Each side is a scenario file (run here, with ``--seed`` and that side's
``--set-a``/``--set-b`` changes), a folder saved by ``tabletop run`` (its
``summary.json`` is used as it is) or a session log of ``tabletop play`` (a
``.jsonl`` file, replayed on the scenario its header names, and compared as
a saved single run).  A folder saved with ``--replications``
holds every replication's outputs, so it is compared as replications.

Two kinds of comparison exist:

* **single runs** -- one replication of each side; the deltas are those of
  these two runs (see :func:`simulator.analysis.compare.compare_summaries`);
* **paired replications** -- with ``--replications N`` (or a folder saved with
  replications), N replications of each side with the same seeds, so that
  replication ``i`` of A and of B share their random numbers; the mean of the
  N paired differences is given with its 95% confidence interval (see
  :func:`simulator.analysis.compare.compare_replications`).

Anything wrong with the inputs -- a path that is neither a scenario file nor a
run folder, a bad ``--set-a``/``--set-b``, a folder without ``summary.json``,
replications that cannot be paired -- is reported as a ``ScenarioError``
listing every problem (exit 2, no traceback).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click

from simulator.analysis.compare import (
    SECTIONS,
    Replications,
    compare_replications,
    compare_summaries,
    instant,
)
from simulator.commands.exits import fail_cleanly
from simulator.commands.options import replications_option, seed_option
from simulator.report.safe_text import for_terminal
from simulator.scenario.errors import Problem, ScenarioError
from simulator.wording import counted

if TYPE_CHECKING:  # only for annotations: loading scenarios costs start-up time
    from simulator.loading import Loaded

__all__ = ["Side", "compare", "comparison", "open_side", "render_comparison"]

FORMATS = ("table", "json", "csv", "markdown")

LONG_H = 48.0
"""Deltas at least this long (in hours) are also shown in days, which read better."""

Kind = Literal["scenario", "run"]


@dataclass(frozen=True)
class Side:
    """One side of a comparison, as found at its path.

    Attributes:
        label: ``A`` or ``B``.
        source: The path as given.
        kind: ``scenario`` for a scenario file, ``run`` for a saved run folder.
        name: The scenario's name.
        title: The scenario's title (``None`` if it has none).
        seed: The seed the run was made with; for a scenario file, filled in once
            the seed of the comparison is known.
        overrides: ``PATH=VALUE`` changes applied to the scenario.
        loaded: The loaded scenario (scenario files only).
        summary: The saved summary (single-run folders only).
        replications: The saved replications (folders saved with replications only).
    """

    label: str
    source: str
    kind: Kind
    name: str
    title: str | None
    seed: int | None
    overrides: tuple[str, ...]
    loaded: Loaded | None = None
    summary: dict[str, Any] | None = None
    replications: Replications | None = None

    def info(self) -> dict[str, Any]:
        """The side as shown in the JSON output."""
        return {
            "source": self.source,
            "kind": self.kind,
            "name": self.name,
            "title": self.title,
            "seed": self.seed,
            "overrides": list(self.overrides),
        }


def _problem(where: Path | str, message: str) -> Problem:
    return Problem(str(where), None, "", message)


def _read_json(path: Path) -> Any:
    """A JSON file of a run folder, or a ScenarioError saying what is wrong with it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(_problem(path, "missing from the run folder")) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ScenarioError(_problem(path, f"cannot be read as JSON ({error})")) from None


def _order_of(scenario: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Ids in scenario order per output prefix, from a scenario as plain data."""
    forces = scenario.get("forces") or []
    phases = (scenario.get("operations") or {}).get("phases") or []
    return {
        "milestone": tuple(m["id"] for m in scenario.get("milestones") or []),
        "unit": tuple(u["id"] for u in forces),
        "closure": (*dict.fromkeys(u["nation"] for u in forces), "all"),
        "phase": ("deployment", *(p["id"] for p in phases)),
    }


def _utc(text: Any) -> dt.datetime:
    """A UTC instant written in a manifest (``ValueError`` if it is not one)."""
    when = instant(text) if isinstance(text, str) else None
    if when is None:
        raise ValueError(f"not an instant: {text!r}")
    return when


def _saved_replications(folder: Path) -> tuple[Replications, int]:
    """The replications saved in a folder and their base seed."""
    manifest = _read_json(folder / "manifest.json")
    lines = folder / "replications.jsonl"
    try:
        scenario = manifest["scenario"]
        start = _utc(scenario["clock"]["start"])
        d_day = _utc(scenario["clock"]["d_day"])
        order = _order_of(scenario)
        seed = int(manifest["seed"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        detail = f"no {error}" if isinstance(error, KeyError) else str(error)
        problem = _problem(folder / "manifest.json", f"not a run manifest ({detail})")
        raise ScenarioError(problem) from None
    try:
        text = lines.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(_problem(lines, f"cannot be read ({error.strerror})")) from None
    try:
        records = sorted(
            (json.loads(line) for line in text.splitlines() if line.strip()),
            key=lambda r: int(r["replication"]),
        )
        seeds = tuple(int(r["seed"]) for r in records)
        runs = tuple(dict(r["outputs"]) for r in records)
    except (KeyError, TypeError, ValueError) as error:
        raise ScenarioError(_problem(lines, f"not replication outputs ({error})")) from None
    return Replications(start, d_day, order, seeds, runs), seed


def _open_folder(folder: Path, label: str, overrides: Sequence[str]) -> Side:
    if overrides:
        option = f"--set-{label.lower()}"
        raise ScenarioError(
            _problem(option, f"changes a scenario file, but {folder} is a saved run folder")
        )
    if not (folder / "summary.json").is_file():
        raise ScenarioError(_problem(folder, "not a run folder: it has no summary.json"))
    summary = _read_json(folder / "summary.json")
    if not isinstance(summary, dict) or not isinstance(summary.get("scenario"), dict):
        raise ScenarioError(_problem(folder / "summary.json", "not the summary of a saved run"))
    head = summary["scenario"]
    try:
        manifest = _read_json(folder / "manifest.json")
        saved_overrides = tuple(manifest.get("overrides") or ())
    except ScenarioError:
        # The overrides are only shown; a run without its manifest is still comparable.
        saved_overrides = ()
    name, title, seed = str(head.get("name")), head.get("title"), summary.get("seed")
    base = Side(label, str(folder), "run", name, title, seed, saved_overrides)
    if "statistics" in summary:
        replications, seed = _saved_replications(folder)
        return replace(base, seed=seed, replications=replications)
    missing = [key for key in SECTIONS if not isinstance(summary.get(key), list)]
    if missing:
        message = f"not the summary of a saved run (no {', '.join(missing)})"
        raise ScenarioError(_problem(folder / "summary.json", message))
    return replace(base, summary=summary)


def _open_log(log: Path, label: str, overrides: Sequence[str]) -> Side:
    """A session log of ``tabletop play``, replayed: compared as the run it ends with."""
    from simulator.analysis.summary import summarize
    from simulator.facilitation.replay import replay_log

    if overrides:
        option = f"--set-{label.lower()}"
        raise ScenarioError(
            _problem(option, f"changes a scenario file, but {log} is a session log")
        )
    loaded, session = replay_log(log)
    summary = summarize(session.result(), loaded.sha256)
    s = loaded.scenario
    return Side(label, str(log), "run", s.name, s.title, session.seed, (), summary=summary)


def open_side(path: Path, label: str, overrides: Sequence[str]) -> Side:
    """Load one side: a scenario file (validated, changed by ``overrides``) or a run folder.

    Args:
        path: A scenario file or a folder saved by ``tabletop run``.
        label: ``A`` or ``B`` (problems with overrides are reported as ``--set-a``/``--set-b``).
        overrides: ``PATH=VALUE`` changes; only scenario files can be changed.

    Returns:
        The side, not yet run.

    Raises:
        ScenarioError: If the path is neither, the scenario has problems or an override is bad.
    """
    from simulator.loading import load_scenario
    from simulator.scenario.overrides import OVERRIDE_FILE

    if path.is_dir():
        return _open_folder(path, label, overrides)
    if path.suffix == ".jsonl" and path.is_file():
        return _open_log(path, label, overrides)
    if not path.exists():
        raise ScenarioError(_problem(path, "no such scenario file or run folder"))
    try:
        loaded = load_scenario(path, overrides)
    except ScenarioError as error:
        # Both sides have their own changes: say which option a problem came from.
        option = f"--set-{label.lower()}"
        raise ScenarioError(
            replace(p, file=option) if p.file == OVERRIDE_FILE else p for p in error.problems
        ) from None
    s = loaded.scenario
    return Side(label, str(path), "scenario", s.name, s.title, None, tuple(overrides), loaded)


def _run_replications(
    side: Side, seed: int, count: int, tick: Callable[[], object]
) -> Replications:
    """Run ``count`` replications of a scenario file with the replication seeds of ``seed``."""
    from simulator.experiment.replicate import Outputs, replication_seed, run_many

    if side.loaded is None:
        raise ValueError(f"{side.source} is not a scenario file")
    scenario = side.loaded.scenario
    order = {
        "milestone": tuple(m.id for m in scenario.milestones),
        "unit": tuple(u.id for u in scenario.forces),
        "closure": (*dict.fromkeys(u.nation for u in scenario.forces), "all"),
        "phase": ("deployment", *(p.id for p in scenario.operations.phases)),
    }

    def ticked(_index: int, _outputs: Outputs) -> None:
        tick()

    runs = run_many(scenario, seed, count, ticked)
    seeds = tuple(replication_seed(seed, i) for i in range(count))
    return Replications(scenario.clock.start, scenario.clock.d_day, order, seeds, tuple(runs))


def _choose_seed(sides: Sequence[Side], seed: int | None, paired: bool) -> int:
    """The seed of the comparison: ``--seed``, else that of the saved runs, else 0."""
    saved = [s for s in sides if s.kind == "run"]
    if seed is None:
        seeds = list(dict.fromkeys(s.seed for s in saved if s.seed is not None))
        if paired and len(seeds) > 1:
            raise ScenarioError(
                _problem(s.source, f"saved with seed {s.seed}; other seeds cannot be paired")
                for s in saved
            )
        return seeds[0] if seeds else 0
    if paired:
        wrong = [s for s in saved if s.seed != seed]
        if wrong:
            raise ScenarioError(
                _problem(s.source, f"saved with seed {s.seed}: pairs need --seed {s.seed}")
                for s in wrong
            )
    return seed


def _replication_count(sides: Sequence[Side], wanted: int | None) -> int:
    """N: ``--replications``, else the fewest replications saved in a folder."""
    saved = [s for s in sides if s.replications is not None]
    count = wanted or min(len(s.replications.runs) for s in saved if s.replications)
    short = [s for s in saved if s.replications and len(s.replications.runs) < count]
    if short:
        raise ScenarioError(
            _problem(
                s.source,
                f"holds {counted(len(s.replications.runs), 'replication')}, not {count}",
            )
            for s in short
            if s.replications
        )
    return count


def comparison(
    a: Side, b: Side, seed: int | None = None, replications: int | None = None
) -> dict[str, Any]:
    """Run what must be run and compare the two sides.

    Single runs are compared unless ``replications`` is given or a side is a
    folder saved with replications; then N replications of each side, with the
    same seeds, are compared pair by pair.

    Args:
        a: Side A.
        b: Side B.
        seed: The seed for scenario files (default: that of the saved run, else 0).
        replications: N, for a paired comparison of replications.

    Returns:
        The comparison: ``a``, ``b`` (each side's ``source``, ``kind``, ``name``,
        ``title``, ``seed``, ``overrides``), ``seed`` (shared by both sides, else
        ``None``), ``replications`` (N or ``None``), ``paired``, then the sections
        ``milestones``, ``closure``, ``units``, ``bottlenecks`` and ``phases``.

    Raises:
        ScenarioError: If the sides cannot be compared in the way asked.
    """
    from simulator.experiment.replicate import replication_seed

    sides = (a, b)
    paired = replications is not None or any(s.replications is not None for s in sides)
    if paired:
        single = [s for s in sides if s.kind == "run" and s.replications is None]
        if single:
            message = (
                "a saved single run cannot be paired with replications: "
                "give its scenario file, or a run saved with --replications"
            )
            raise ScenarioError(_problem(s.source, message) for s in single)
    chosen = _choose_seed(sides, seed, paired)
    a, b = (replace(s, seed=chosen) if s.kind == "scenario" else s for s in sides)
    sections: dict[str, list[dict[str, Any]]]
    count: int | None = None
    if paired:
        count = _replication_count(sides, replications)
        seeds = tuple(replication_seed(chosen, i) for i in range(count))
        to_run = sum(s.kind == "scenario" for s in sides) * count
        from simulator.commands.progress import progress_bar

        bar = progress_bar(to_run, "replication")
        try:
            outputs: list[Replications] = []
            for side in (a, b):
                if side.replications is not None:
                    saved = side.replications
                    runs = replace(saved, seeds=saved.seeds[:count], runs=saved.runs[:count])
                    if runs.seeds != seeds:
                        message = f"its replication seeds are not those of seed {chosen}"
                        raise ScenarioError(_problem(side.source, message))
                else:
                    runs = _run_replications(side, chosen, count, bar.update)
                outputs.append(runs)
        finally:
            bar.close()
        sections = compare_replications(outputs[0], outputs[1])
    else:
        sections = compare_summaries(_summary(a, chosen), _summary(b, chosen))
    return {
        "a": a.info(),
        "b": b.info(),
        "seed": a.seed if a.seed == b.seed else None,
        "replications": count,
        "paired": paired,
        **{key: sections[key] for key in SECTIONS},
    }


def _summary(side: Side, seed: int) -> dict[str, Any]:
    """The run summary of a side: saved, or made by running the scenario once."""
    if side.summary is not None:
        return side.summary
    from simulator.analysis.summary import summarize
    from simulator.model.run import run_replication

    if side.loaded is None:
        raise ValueError(f"{side.source} has neither a summary nor a scenario")
    result = run_replication(side.loaded.scenario, seed)
    return summarize(result, side.loaded.sha256)


# --- rendering ---------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})-\d{2}-\d{2}T")


def _years(data: dict[str, Any]) -> set[str]:
    """The years of every instant in the sections of a comparison."""
    return {
        match.group(1)
        for key in SECTIONS
        for row in data[key]
        for value in row.values()
        if isinstance(value, str) and (match := _ISO.match(value))
    }


def _when(iso: str | None, days: float | None, year: bool = True) -> str:
    if iso is None:
        return "-"
    text = iso[:16].replace("T", " ")[0 if year else 5 :]
    return f"{text} (D{days:+.2f})" if days is not None else text


def _delta(hours: float | None) -> str:
    if hours is None:
        return "-"
    if hours == 0:
        return "0.0 h"
    if abs(hours) >= LONG_H:
        return f"{hours:+,.1f} h ({hours / 24:+.1f} d)"
    return f"{hours:+.1f} h"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _signed(value: float | None) -> str:
    if value is None:
        return "-"
    return "0.0" if value == 0 else f"{value:+,.1f}"


def _yes(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _interval(ci: list[float] | None) -> str:
    return "-" if ci is None else f"{ci[0]:+.2f} .. {ci[1]:+.2f}"


def _missing(row: dict[str, Any]) -> str:
    if not (row["a_missing"] or row["b_missing"]):
        return ""
    return f"{row['a_missing']} / {row['b_missing']}"


Table = tuple[str, list[str], list[list[Any]], str]
"""(caption, headers, rows, a note below the table)."""


def _single_tables(data: dict[str, Any], year: bool) -> list[Table]:
    """(caption, headers, rows, note) of a comparison of single runs."""

    def when(row: dict[str, Any], side: str) -> str:
        return _when(row[side], row[f"{side}_d"], year)

    milestones = [
        [m["id"], when(m, "a"), when(m, "b"), _delta(m["delta_h"]),
         f"{_yes(m['in_window_a'])} / {_yes(m['in_window_b'])}"]
        for m in data["milestones"]
    ]  # fmt: skip
    closure = [
        [c["nation"], f"{share[1:]}%", when(c, f"{share}_a"), when(c, f"{share}_b"),
         _delta(c[f"{share}_delta_h"])]
        for c in data["closure"]
        for share in ("t50", "t90", "t100")
    ]  # fmt: skip
    units = [
        [u["id"], when(u, "a"), when(u, "b"), _delta(u["delta_h"]), _yes(u["route_changed"])]
        for u in data["units"]
    ]
    bottlenecks = [
        [b["place"], b["cause"], _num(b["a"]), _num(b["b"]), _signed(b["delta_h"])]
        for b in data["bottlenecks"]
    ]  # fmt: skip
    phases = [[p["id"], when(p, "a"), when(p, "b"), _delta(p["delta_h"])] for p in data["phases"]]
    return [
        ("Milestones (simulated)", ["milestone", "A", "B", "B - A", "in window A / B"],
         milestones, ""),
        ("Closure (every load) by nation", ["nation", "share", "A", "B", "B - A"], closure,
         ""),
        ("Units (arrival)", ["unit", "A", "B", "B - A", "route changed"], units, ""),
        ("Bottlenecks (load-hours of waiting by place and cause)",
         ["place", "cause", "A", "B", "B - A"], bottlenecks, ""),
        ("Phases (end)", ["phase", "A", "B", "B - A"], phases, ""),
    ]  # fmt: skip


def _paired_tables(data: dict[str, Any], year: bool) -> list[Table]:
    """(caption, headers, rows, note) of a paired comparison of replications."""
    from simulator.report.render import first_waits

    def row(key: str, r: dict[str, Any]) -> list[Any]:
        return [r[key], _when(r["a_mean"], r["a_mean_d"], year),
                _when(r["b_mean"], r["b_mean_d"], year), _delta(r["delta_h"]),
                _interval(r["delta_ci95_h"])]  # fmt: skip

    headers = ["mean A", "mean B", "B - A (mean)", "95% CI h"]
    milestones = [
        [*row("id", m), _share(m["p_within_a"]), _share(m["p_within_b"]),
         "-" if m["p_within_delta"] is None else f"{m['p_within_delta']:+.1%}", _missing(m)]
        for m in data["milestones"]
    ]  # fmt: skip
    shown, note = first_waits(data["bottlenecks"], lambda b: max(b["a"], b["b"]))
    waits = [
        [b["place"], b["cause"], _num(b["a"]), _num(b["b"]), _signed(b["delta_h"]),
         _interval(b["delta_ci95_h"])]
        for b in shown
    ]  # fmt: skip
    timed = [
        ("Milestones", ["milestone", *headers, "P(in window) A", "P(in window) B",
                        "P(in window) B - A", "missing A / B"], milestones),
        ("Closure (100% of every load) by nation", ["nation", *headers, "missing A / B"],
         [[*row("nation", c), _missing(c)] for c in data["closure"]]),
        ("Units (arrival)", ["unit", *headers, "missing A / B"],
         [[*row("id", u), _missing(u)] for u in data["units"]]),
        ("Phases (end)", ["phase", *headers, "missing A / B"],
         [[*row("id", p), _missing(p)] for p in data["phases"]]),
    ]  # fmt: skip
    # Drop the missing column where nothing is missing, so that tables stay narrow.
    tables: list[Table] = [
        (caption, head[:-1], [r[:-1] for r in rows], "")
        if not any(r[-1] for r in rows)
        else (caption, head, rows, "")
        for caption, head, rows in timed
    ]
    tables.append((
        "Bottlenecks (mean load-hours of waiting by place and cause, 0 in a replication "
        "without)", ["place", "cause", "mean A", "mean B", "B - A (mean)", "95% CI"], waits,
        note,
    ))  # fmt: skip
    return tables


def _describe(side: dict[str, Any]) -> str:
    changes = "".join(f"; --set {o}" for o in side["overrides"])
    return (
        f"{side['label']}: {side['title'] or side['name']}\n"
        f"   {side['kind']} {side['source']}, seed {side['seed']}{changes}"
    )


def render_comparison(data: dict[str, Any], fmt: str, width: int | None = None) -> str:
    """A comparison (as made by :func:`comparison`) in one of ``FORMATS``.

    The tables are folded to ``width`` columns (default: the terminal's); when every
    instant falls in one year, they are written without it.
    """
    from simulator.report.render import section_csv, table_text

    if fmt == "json":
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return "\n".join(f"# {key}\n{section_csv(data[key])}" for key in SECTIONS)
    markdown = fmt == "markdown"
    count = data["replications"]
    years = sorted(_years(data))
    year = len(years) != 1
    if data["paired"]:
        how = (
            f"Paired comparison: {counted(count, 'replication')} of each side with the same seeds "
            "(common random numbers);\nB - A is the mean of the paired differences, "
            "with its 95% t interval."
        )
        tables = _paired_tables(data, year)
    else:
        how = (
            "Single runs, not paired statistics: one replication of each side; "
            "deltas hold for these two runs only."
        )
        tables = _single_tables(data, year)
    out = [
        f"{'# ' if markdown else ''}Comparison: B - A",
        _describe({**data["a"], "label": "A"}),
        _describe({**data["b"], "label": "B"}),
        how,
        f"Times are UTC instants{'' if year else ' in ' + years[0]} (D+days from each "
        "scenario's own D-day); deltas in hours.",
        "",
    ]
    if markdown:
        # Keep the header lines apart: Markdown would run them into one paragraph.
        out[1:5] = [line + "  " for line in "\n".join(out[1:5]).splitlines()]
    keys = {"Closure (every load) by nation": 2}
    for caption, headers, rows, note in tables:
        out.append(f"{'## ' if markdown else ''}{caption}")
        if not rows:
            out.append("(none)")
        else:
            out.append(table_text(headers, rows, fmt, keys=keys.get(caption, 1), width=width))
        if note:
            out.append(note)
        out.append("")
    return "\n".join(out)


# --- the command -------------------------------------------------------------------------


@click.command(name="compare")
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@seed_option("Seed for scenario files.  [default: that of a saved run, else 0]", None)
@replications_option(
    "Compare N replications of each side, paired by seed, with 95% intervals.", metavar="N"
)
@click.option(
    "--set-a",
    "set_a",
    multiple=True,
    metavar="PATH=VALUE",
    help="Change a value of scenario A (dotted path, list items by id). Repeatable.",
)
@click.option(
    "--set-b",
    "set_b",
    multiple=True,
    metavar="PATH=VALUE",
    help="Change a value of scenario B (dotted path, list items by id). Repeatable.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format on standard output.",
)
def compare(
    a: Path,
    b: Path,
    seed: int | None,
    replications: int | None,
    set_a: tuple[str, ...],
    set_b: tuple[str, ...],
    fmt: str,
) -> None:
    """Compare A with B, side by side, with the deltas B - A.

    A and B are each a scenario file (run here), a folder saved by
    ``tabletop run`` (its summary is used; saved with --replications, its
    replications) or a session log of ``tabletop play`` (replayed).
    Milestones, closure by nation, unit arrivals and routes, bottlenecks
    and phase ends are compared as UTC instants.  With
    --replications N, both sides run the same N seeds and the paired
    differences are summarised with 95% confidence intervals.
    """
    fail_cleanly(_compare)(a, b, seed, replications, set_a, set_b, fmt)


def _compare(
    a: Path,
    b: Path,
    seed: int | None,
    replications: int | None,
    set_a: tuple[str, ...],
    set_b: tuple[str, ...],
    fmt: str,
) -> None:
    """Open both sides (reporting the problems of both at once), compare, print."""
    sides: list[Side] = []
    problems: list[Problem] = []
    for path, label, overrides in ((a, "A", set_a), (b, "B", set_b)):
        try:
            sides.append(open_side(path, label, overrides))
        except ScenarioError as error:
            problems.extend(error.problems)
    if problems:
        raise ScenarioError(problems)
    try:
        data = comparison(sides[0], sides[1], seed, replications)
    except ScenarioError as error:
        # A and B may be the same folder: say each thing once.
        raise ScenarioError(dict.fromkeys(error.problems)) from None
    text = render_comparison(data, fmt)
    click.echo(for_terminal(text, fmt), nl=False)
