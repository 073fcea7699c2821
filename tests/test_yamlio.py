"""Tests for safe YAML loading with line marks."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.scenario import yamlio
from simulator.scenario.errors import Problem, ScenarioError
from simulator.scenario.yamlio import (
    EXPONENT_FLOAT,
    MAX_DEPTH,
    MAX_VALUES,
    load_yaml,
    load_yaml_file,
)


def _problems(text: str) -> list[tuple[int | None, str, str]]:
    """Load ``text`` expecting failure; return (line, path, message) of each problem."""
    with pytest.raises(ScenarioError) as caught:
        load_yaml(text, "s.yaml")
    assert all(problem.file == "s.yaml" for problem in caught.value.problems)
    return [(p.line, p.path, p.message) for p in caught.value.problems]


# -- values and marks ----------------------------------------------------------------


def test_marks_of_nested_keys_and_list_items() -> None:
    text = """\
name: demo
forces:
  - id: a
    equipment:
      - {name: truck, mass_t: 12.5}
      -
        name: tank
  - id: b
    ready: 2007-07-20
countries:
  KZ:
    transit:
      rail: {policy: allow}
"""
    data, marks = load_yaml(text, "s.yaml")
    assert data == {
        "name": "demo",
        "forces": [
            {"id": "a", "equipment": [{"name": "truck", "mass_t": 12.5}, {"name": "tank"}]},
            {"id": "b", "ready": dt.date(2007, 7, 20)},
        ],
        "countries": {"KZ": {"transit": {"rail": {"policy": "allow"}}}},
    }
    assert marks == {
        (): 1,
        ("name",): 1,
        ("forces",): 2,
        ("forces", 0): 3,
        ("forces", 0, "id"): 3,
        ("forces", 0, "equipment"): 4,
        ("forces", 0, "equipment", 0): 5,
        ("forces", 0, "equipment", 0, "name"): 5,
        ("forces", 0, "equipment", 0, "mass_t"): 5,
        ("forces", 0, "equipment", 1): 7,
        ("forces", 0, "equipment", 1, "name"): 7,
        ("forces", 1): 8,
        ("forces", 1, "id"): 8,
        ("forces", 1, "ready"): 9,
        ("countries",): 10,
        ("countries", "KZ"): 11,
        ("countries", "KZ", "transit"): 12,
        ("countries", "KZ", "transit", "rail"): 13,
        ("countries", "KZ", "transit", "rail", "policy"): 13,
    }


def test_mapping_value_mark_is_the_key_line() -> None:
    text = "a:\n\n  - 1\n  - 2\nb:\n  c:\n    d\n"
    _, marks = load_yaml(text, "s.yaml")
    assert marks[("a",)] == 1
    assert marks[("a", 0)] == 3
    assert marks[("b", "c")] == 6


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a: 1\nb: 2.5\nc: true\nd: null\ne: ~\nf: yes\ng: 0x1f\nh: 1_000\ni: .inf\n",
            {"a": 1, "b": 2.5, "c": True, "d": None, "e": None, "f": True, "g": 31, "h": 1000,
             "i": math.inf},
        ),
        (
            "when: 2007-07-20T00:00:00Z\nday: 2007-07-20\nlocal: 2001-12-14 21:59:43.10\n",
            {"when": dt.datetime(2007, 7, 20, tzinfo=dt.UTC), "day": dt.date(2007, 7, 20),
             "local": dt.datetime(2001, 12, 14, 21, 59, 43, 100_000)},
        ),
        (
            "s: '123'\nt: \"a\\tb\"\nu: |\n  line one\n  line two\nv: >\n  folded\n  text\n",
            {"s": "123", "t": "a\tb", "u": "line one\nline two\n", "v": "folded text\n"},
        ),
        (
            "- [1, 2, {a: b}]\n- {}\n- []\n- ''\n- - nested\n  - list\n",
            [[1, 2, {"a": "b"}], {}, [], "", ["nested", "list"]],
        ),
        (
            "base: &b {x: 1, y: [1, 2]}\ncopy: *b\nlist: [*b, *b]\n",
            {"base": {"x": 1, "y": [1, 2]}, "copy": {"x": 1, "y": [1, 2]},
             "list": [{"x": 1, "y": [1, 2]}, {"x": 1, "y": [1, 2]}]},
        ),
        ("1: one\n2: two\n", {1: "one", 2: "two"}),
        ("just a string\n", "just a string"),
        ("---\n42\n...\n", 42),
    ],
)  # fmt: skip
def test_plain_yaml_values(text: str, expected: Any) -> None:
    assert load_yaml(text, "s.yaml")[0] == expected


def test_timestamp_is_utc_datetime() -> None:
    data, _ = load_yaml("t: 2007-07-20T06:30:00Z\n", "s.yaml")
    assert data == {"t": dt.datetime(2007, 7, 20, 6, 30, tzinfo=dt.UTC)}


def test_aliases_expand_to_independent_copies() -> None:
    data, marks = load_yaml("a: &x {k: [1]}\nb: *x\n", "s.yaml")
    assert data == {"a": {"k": [1]}, "b": {"k": [1]}}
    assert data["a"] is not data["b"]
    data["b"]["k"].append(2)
    assert data["a"] == {"k": [1]}
    assert marks[("b",)] == 2
    assert marks[("b", "k")] == 1  # inner keys point at the anchored text


# Control characters and the Unicode line and paragraph separators are left out: PyYAML's
# dumper writes some of them (NEL, U+0085) unquoted, where YAML reads them as line breaks.
_text = st.text(st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=20)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | _text
    | st.dates()
    | st.datetimes()
)
_documents = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=25,
)


class _Dumper(yaml.SafeDumper):
    """PyYAML's dumper, told that text like ``1e6`` reads as a number here (so it quotes it)."""


_Dumper.add_implicit_resolver("tag:yaml.org,2002:float", EXPONENT_FLOAT, list("-+.0123456789"))


@settings(deadline=None, max_examples=150)
@given(_documents, st.booleans())
def test_hypothesis_documents_read_back_as_written(document: Any, flow: bool) -> None:
    text = yaml.dump(document, Dumper=_Dumper, default_flow_style=flow, allow_unicode=True)
    assert load_yaml(text, "s.yaml")[0] == document


# -- empty and multiple documents ------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_document_is_none(text: str) -> None:
    assert load_yaml(text, "s.yaml") == (None, {})


def test_explicit_empty_document_is_none() -> None:
    assert load_yaml("---\n", "s.yaml")[0] is None


def test_multiple_documents_are_refused() -> None:
    assert _problems("a: 1\n---\nb: 2\n") == [
        (2, "", "a second YAML document starts here; a file holds one document")
    ]


# -- syntax errors ----------------------------------------------------------------------


def test_syntax_error_has_line() -> None:
    assert _problems("a: 1\nb: [1, 2\nc: 3\n") == [
        (
            3,
            "",
            "invalid YAML: expected ',' or ']', but got ':'"
            " (while parsing a flow sequence at line 2)",
        )
    ]


def test_bad_indentation_has_line() -> None:
    assert _problems("a: 1\n  b: 2\n") == [
        (2, "", "invalid YAML: mapping values are not allowed here")
    ]


def test_undefined_alias() -> None:
    assert _problems("a: 1\nb: *nowhere\n") == [
        (2, "", "invalid YAML: found undefined alias 'nowhere'")
    ]


def test_control_character() -> None:
    assert _problems("a: 1\nb: x\x07\n") == [
        (2, "", "invalid YAML: character #x0007 is not allowed")
    ]


def test_duplicate_anchor() -> None:
    assert _problems("a: &x 1\nb: &x 2\n") == [
        (2, "", "anchor &x is defined twice (first on line 1)")
    ]


# -- tags ----------------------------------------------------------------------------


def test_python_tags_are_refused() -> None:
    text = "a: 1\nb: !!python/object/apply:os.system ['echo owned']\nc: !!python/name:os.system\n"
    assert _problems(text) == [
        (2, "b", "tag !!python/object/apply:os.system is not allowed"),
        (3, "c", "tag !!python/name:os.system is not allowed"),
    ]


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("a: !custom 3\n", "!custom"),
        ("a: !!binary aGVsbG8=\n", "!!binary"),
        ("a: !!set {x}\n", "!!set"),
        ("a: !!omap [{x: 1}]\n", "!!omap"),
        ("a: !!str [1]\n", "!!str"),
    ],
)
def test_other_tags_are_refused(text: str, tag: str) -> None:
    assert _problems(text) == [(1, "a", f"tag {tag} is not allowed")]


def test_standard_tags_work() -> None:
    text = "a: !!str 5\nb: !!int '7'\nc: !!float 1\nd: !!map {x: !!seq [!!null '']}\n"
    data, _ = load_yaml(text, "s.yaml")
    assert data == {"a": "5", "b": 7, "c": 1.0, "d": {"x": [None]}}


def test_value_that_does_not_fit_its_tag() -> None:
    assert _problems("a: !!int abc\n") == [(1, "a", "cannot read 'abc' as !!int")]


# -- keys ----------------------------------------------------------------------------


def test_duplicate_keys_are_reported_at_second_occurrence() -> None:
    text = "a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\na: 4\n"
    assert _problems(text) == [
        (5, "b.c", "duplicate key 'c' (first on line 3)"),
        (6, "a", "duplicate key 'a' (first on line 1)"),
    ]


def test_keys_read_as_other_types() -> None:
    text = "countries:\n  NO: 1\n  on: 2\n  null: 3\n  1.5: 4\n  2007-01-01: 5\n"
    assert _problems(text) == [
        (2, "countries", 'key NO is read by YAML as a boolean; quote it ("NO") to use it as text'),
        (3, "countries", 'key on is read by YAML as a boolean; quote it ("on") to use it as text'),
        (
            4,
            "countries",
            'key null is read by YAML as a null (None); quote it ("null") to use it as text',
        ),
        (5, "countries", 'key 1.5 is read by YAML as a number; quote it ("1.5") to use it as text'),
        (
            6,
            "countries",
            'key 2007-01-01 is read by YAML as a date; quote it ("2007-01-01") to use it as text',
        ),
    ]


def test_quoted_keys_are_text() -> None:
    assert load_yaml('"NO": 1\n"1.5": 2\n', "s.yaml")[0] == {"NO": 1, "1.5": 2}


def test_integer_keys_are_kept_as_integers() -> None:
    data, marks = load_yaml("levels:\n  1: low\n  2: high\n", "s.yaml")
    assert data == {"levels": {1: "low", 2: "high"}}
    assert marks[("levels", 2)] == 3


def test_collection_keys_are_refused() -> None:
    assert _problems("? [a, b]\n: 1\n") == [
        (1, "", "mapping keys must be plain text, not a list or mapping")
    ]


# -- merge keys ------------------------------------------------------------------------


def test_merge_key_semantics_and_marks() -> None:
    text = """\
defaults: &d
  speed: 40
  mode: rail
fast: &f
  speed: 80
unit:
  <<: [*f, *d]
  mode: road
"""
    data, marks = load_yaml(text, "s.yaml")
    # The merge-key spec: keys written in the mapping win, then the earlier merged map.
    assert data["unit"] == {"speed": 80, "mode": "road"}
    assert marks[("unit", "speed")] == 5  # where the merged value was written
    assert marks[("unit", "mode")] == 8


def test_nested_merge() -> None:
    text = "a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b, z: 3}\n"
    data, _ = load_yaml(text, "s.yaml")
    assert data == {"a": {"x": 1}, "b": {"x": 1, "y": 2}, "c": {"x": 1, "y": 2, "z": 3}}


@pytest.mark.parametrize("value", ["1", "[1, 2]", "[{a: 1}, x]"])
def test_merge_of_a_non_mapping_is_refused(value: str) -> None:
    assert _problems(f"a:\n  <<: {value}\n") == [
        (2, "a", "'<<' (merge key) needs a mapping or a list of mappings")
    ]


def test_merge_key_twice_is_refused() -> None:
    text = "d: &d {x: 1}\na:\n  <<: *d\n  <<: *d\n"
    assert _problems(text) == [(4, "a", "duplicate key '<<' (merge key)")]


def test_quoted_merge_key_is_an_ordinary_key() -> None:
    assert load_yaml('"<<": 1\n', "s.yaml")[0] == {"<<": 1}


# -- resource limits ------------------------------------------------------------------


def _billion_laughs() -> str:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 9):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_before_expansion() -> None:
    problems = _problems(_billion_laughs())
    assert len(problems) == 1
    line, path, message = problems[0]
    assert message == f"document expands to more than {MAX_VALUES} values (alias bomb?)"
    assert line is not None and 1 <= line <= 9
    assert path == ""


def test_wide_aliases_within_budget_are_fine() -> None:
    text = "a: &a [1, 2, 3]\nb: [" + ", ".join(["*a"] * 1000) + "]\n"
    data, marks = load_yaml(text, "s.yaml")
    assert len(data["b"]) == 1000
    assert marks[("b", 999, 2)] == 1


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: &x [1, *x]\n", 1),
        ("a: &x\n  b: *x\n", 1),
        ("a: &x\n  <<: *x\n", 1),
        ("a: [0, &x [[*x]]]\n", 1),
    ],
    ids=["list", "mapping", "merge", "nested"],
)
def test_recursive_alias_is_refused(text: str, line: int) -> None:
    assert _problems(text) == [
        (line, "", "an alias refers to a value that contains it (recursive alias)")
    ]


def test_nesting_at_the_limit_is_fine() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    expected: list[Any] = []
    for _ in range(MAX_DEPTH - 1):
        expected = [expected]
    assert load_yaml(text, "s.yaml")[0] == expected


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", 1),
        # Line n holds key k(n-1), which lies inside n mappings: refused at n = MAX_DEPTH + 1.
        ("".join("  " * i + f"k{i}:\n" for i in range(300)), MAX_DEPTH + 1),
        # Line n starts a list nested in n - 1 collections: refused at n = MAX_DEPTH + 2.
        ("x:\n" + "".join("  " * i + "- \n" for i in range(1, 400)), MAX_DEPTH + 2),
    ],
    ids=["flow", "block-mappings", "block-lists"],
)
def test_deep_nesting_is_refused(text: str, line: int) -> None:
    assert _problems(text) == [(line, "", f"nesting deeper than {MAX_DEPTH} levels")]


def test_deep_nesting_through_aliases_is_refused() -> None:
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 2 * MAX_DEPTH)]
    problems = _problems("\n".join(lines) + "\n")
    assert len(problems) == 1
    assert problems[0][2] == f"nesting deeper than {MAX_DEPTH} levels"


# -- several problems at once ---------------------------------------------------------


def test_problems_are_collected() -> None:
    text = "a: 1\na: 2\nb: !foo x\nc:\n  yes: 1\n"
    assert [line for line, _, _ in _problems(text)] == [2, 3, 5]


def test_problem_in_aliased_value_is_reported_once() -> None:
    text = "a: &a {x: !foo 1}\nb: *a\nc: *a\n"
    assert _problems(text) == [(1, "a.x", "tag !foo is not allowed")]


# -- files --------------------------------------------------------------------------


def test_load_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes("\ufeffname: Ürümqi\nn: 3\n".encode())
    data, marks = load_yaml_file(path)
    assert data == {"name": "Ürümqi", "n": 3}
    assert marks[("n",)] == 2


def test_load_yaml_file_names_the_file_in_problems(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_yaml_file(str(path))
    assert caught.value.problems == (
        Problem(str(path), 2, "a", "duplicate key 'a' (first on line 1)"),
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as caught:
        load_yaml_file(path)
    assert caught.value.problems == (Problem(str(path), None, "", "file not found"),)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_yaml_file(tmp_path)
    assert caught.value.problems == (
        Problem(str(tmp_path), None, "", "is a directory, not a file"),
    )


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text("a: 1\n", encoding="utf-8")

    def refuse(file: Any, mode: str = "r") -> Any:
        raise PermissionError(13, "Permission denied", str(file))

    # Root may read any file, so the refusal is made where the loader opens it.
    import simulator.scenario.yamlio as yamlio

    monkeypatch.setattr(yamlio, "open", refuse, raising=False)
    with pytest.raises(ScenarioError) as caught:
        load_yaml_file(path)
    assert caught.value.problems == (Problem(str(path), None, "", "permission denied"),)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"a: 1\nname: Z\xfcrich\n")
    with pytest.raises(ScenarioError) as caught:
        load_yaml_file(path)
    assert caught.value.problems == (
        Problem(str(path), 2, "", "not valid UTF-8 (byte 0xfc at offset 12)"),
    )


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    from simulator.scenario.yamlio import MAX_BYTES

    big = tmp_path / "big.yaml"
    with big.open("wb") as file:
        file.write(b"a: [" + b"1, " * (MAX_BYTES // 3) + b"1]\n")
    with pytest.raises(ScenarioError) as caught:
        load_yaml_file(big)
    (problem,) = caught.value.problems
    assert problem.message == "larger than 20 MiB, the most a scenario file may be"
    limit = tmp_path / "limit.yaml"
    limit.write_bytes(b"a: 1\n" + b"#" * (MAX_BYTES - 6) + b"\n")
    assert load_yaml_file(limit)[0] == {"a": 1}  # exactly at the limit: read


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_device_or_fifo_is_refused_without_reading_it(tmp_path: Path, kind: str) -> None:
    import os

    if kind == "fifo":
        path = tmp_path / "pipe.yaml"
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    with pytest.raises(ScenarioError) as caught:
        load_yaml_file(path)
    assert [p.message for p in caught.value.problems] == ["not a regular file"]


@pytest.mark.parametrize(
    ("text", "value"),
    [("1e6", 1e6), ("-2E-3", -0.002), ("1.5e3", 1500.0), (".5e2", 50.0), ("+3e+2", 300.0),
     ("1.0e+6", 1e6), ("'1e6'", "1e6"), ("1e", "1e"), ("e5", "e5")],
)  # fmt: skip
def test_numbers_in_exponent_form_are_numbers(text: str, value: Any) -> None:
    assert load_yaml(f"a: {text}\n", "s.yaml")[0] == {"a": value}


# -- the fast path ----------------------------------------------------------------------------

_fast = pytest.mark.skipif(yamlio._FastLoader is None, reason="PyYAML without libyaml")


@_fast
@pytest.mark.parametrize(
    "path", sorted((Path(__file__).parent.parent / "scenarios").rglob("*.yaml")), ids=str
)
def test_the_fast_loader_reads_every_shipped_scenario_as_the_reference_does(path: Path) -> None:
    text = path.read_text("utf-8")
    assert yamlio._load(text, "s", yamlio._FastLoader) == yamlio._load(text, "s", yamlio._Loader)


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
    st.dates(), st.datetimes(),
)  # fmt: skip
_keys = st.text(alphabet="abcdefghij_0123456789", min_size=1, max_size=8)
_documents = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=25,
)


@_fast
@settings(max_examples=200, deadline=None)
@given(document=st.dictionaries(_keys, _documents, min_size=1, max_size=5),
       flow=st.sampled_from([None, True, False]))  # fmt: skip
def test_the_fast_loader_gives_the_reference_data_and_lines(
    document: Any, flow: bool | None
) -> None:
    text = yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    try:
        reference = yamlio._load(text, "s", yamlio._Loader)
    except ScenarioError as error:
        with pytest.raises(ScenarioError) as fast:
            yamlio._load(text, "s", yamlio._FastLoader)
        assert [p.line for p in fast.value.problems] == [p.line for p in error.problems]
        return
    assert yamlio._load(text, "s", yamlio._FastLoader) == reference
