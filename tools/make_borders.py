"""Convert Natural Earth country borders (TopoJSON) into the report's border file.

The report and the web map draw country borders from
``simulator/report/data/borders.json.gz``, a file made once by this script and
shipped in the package, so that nothing is downloaded at run time.  Its input
is the ``countries-50m.json`` of the npm package ``world-atlas`` (Natural
Earth 1:50m Admin 0 countries, public domain), whose features carry ISO 3166-1
numeric codes; the alpha-3 codes come from ``codes.json`` of the npm package
``i18n-iso-countries``.  Both are fetched with the ordinary npm client::

    cd /tmp && npm pack world-atlas i18n-iso-countries
    tar xzf world-atlas-*.tgz && mkdir iso && tar xzf i18n-iso-countries-*.tgz -C iso
    python tools/make_borders.py /tmp/package/countries-50m.json /tmp/iso/package/codes.json

The output is gzip'd JSON, written with fixed settings (no time stamp in the
gzip header) so the same input always gives the same bytes::

    {"source": "...", "digits": 2,
     "countries": [{"iso": "KAZ", "name": "Kazakhstan",
                    "polygons": [[[lon, lat], ...], ...]}, ...]}

Each polygon is its outer ring only (holes are dropped: at a report's scale
they are lakes and enclaves that would not show), simplified arc by arc (so
a shared border stays one line) by Douglas-Peucker to within ``TOLERANCE``
degrees and rounded to ``digits`` decimals (about a kilometre), with repeated
points removed.
Features without an ISO code (disputed areas) keep ``"iso": null``: their
borders are drawn, but no scenario can name them.

Beside it goes ``iso_codes.json`` (alpha-3 -> [alpha-2, name]), small enough
to read whenever a scenario with ``iso`` codes is validated.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent.parent / "simulator" / "report" / "data"
DEFAULT_OUT = DATA / "borders.json.gz"
DIGITS = 2
TOLERANCE = 0.02
"""Largest distance (degrees, about 2 km) a simplified ring may stray from the original."""


def decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The topology's arcs as absolute (lon, lat) points, each simplified.

    TopoJSON arcs are quantised and delta-encoded; the ends of an arc are kept.
    """
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        # Simplified arc by arc: a border shared by two countries stays one line.
        arcs.append([points[i] for i in simplify(points, TOLERANCE)])
    return arcs


def ring(arcs: list[list[tuple[float, float]]], indices: list[int]) -> list[list[float]]:
    """One ring joined from its arcs (a negative index ~i is arc i reversed), rounded."""
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    out: list[list[float]] = []
    for lon, lat in points:
        point = [round(lon, DIGITS), round(lat, DIGITS)]
        if not out or out[-1] != point:
            out.append(point)
    return out


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[int]:
    """Indices of the points kept by Douglas-Peucker (iterative; ends always kept)."""
    if len(points) < 3:
        return list(range(len(points)))
    keep = {0, len(points) - 1}
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        length = (dx * dx + dy * dy) ** 0.5
        worst, where = -1.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            if length == 0:
                d = ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            else:
                d = abs(dx * (ay - py) - dy * (ax - px)) / length
            if d > worst:
                worst, where = d, i
        if where >= 0 and worst > tolerance:
            keep.add(where)
            stack += [(first, where), (where, last)]
    return sorted(keep)


def convert(topology: dict[str, Any], codes: list[list[str]]) -> dict[str, Any]:
    """The border file's content from the TopoJSON and the ISO code table."""
    alpha3 = {numeric: a3 for _, a3, numeric, *_ in codes}
    alpha2 = {a3: a2 for a2, a3, *_ in codes}
    arcs = decode_arcs(topology)
    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        kind = geometry.get("type")
        if kind == "Polygon":
            shapes = [geometry["arcs"]]
        elif kind == "MultiPolygon":
            shapes = geometry["arcs"]
        else:
            continue
        polygons = [r for shape in shapes if len(r := ring(arcs, shape[0])) >= 4]
        if not polygons:
            continue
        numeric = geometry.get("id")
        countries.append(
            {
                "iso": alpha3.get(str(numeric)) if numeric is not None else None,
                "name": geometry["properties"]["name"],
                "polygons": polygons,
            }
        )
    countries.sort(key=lambda c: (c["iso"] is None, c["iso"] or "", c["name"]))
    for country in countries:
        country["alpha2"] = alpha2.get(country["iso"]) if country["iso"] else None
    return {
        "source": "Natural Earth 1:50m Admin 0 countries (public domain), via world-atlas",
        "digits": DIGITS,
        "countries": countries,
    }


def codes_file(content: dict[str, Any]) -> bytes:
    """The small code table read when a scenario is validated: alpha-3 -> [alpha-2, name]."""
    table = {c["iso"]: [c["alpha2"], c["name"]] for c in content["countries"] if c["iso"]}
    lines = [
        f"{json.dumps(code)}: {json.dumps(row, ensure_ascii=False)}"
        for code, row in sorted(table.items())
    ]
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode("utf-8")


def write(content: dict[str, Any], out: Path) -> int:
    """Write ``content`` as reproducible gzip'd JSON; returns the size in bytes."""
    content = {
        **content,
        "countries": [{k: v for k, v in c.items() if k != "alpha2"} for c in content["countries"]],
    }
    text = json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9, mtime=0, filename="") as f:
        f.write(text)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buffer.getvalue())
    return len(buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topojson", type=Path, help="world-atlas countries-50m.json")
    parser.add_argument("codes", type=Path, help="i18n-iso-countries codes.json")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    topology = json.loads(args.topojson.read_text("utf-8"))
    codes = json.loads(args.codes.read_text("utf-8"))
    content = convert(topology, codes)
    size = write(content, args.out)
    (args.out.parent / "iso_codes.json").write_bytes(codes_file(content))
    named = sum(1 for c in content["countries"] if c["iso"])
    print(
        f"{args.out}: {len(content['countries'])} features ({named} with an ISO code), "
        f"{size:,} bytes"
    )


if __name__ == "__main__":
    main()
