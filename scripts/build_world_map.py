"""
Turn Natural Earth's 1:110m country shapes (world-atlas's TopoJSON, cases/geodata/countries-110m.json)
into the SVG path data the site's maps draw (cases/geodata/world-map.json), keyed by ISO 3166-1
alpha-2 code, so that no request does any geometry work.

    .venv/bin/python scripts/build_world_map.py          # rewrites cases/geodata/world-map.json
    .venv/bin/python scripts/build_world_map.py --check  # exit 1 if the committed file is stale

What it does, following the TopoJSON specification: decodes the quantized, delta-encoded arcs;
stitches each polygon's rings from its arcs (a negative index ~i is arc i reversed); projects
longitude and latitude with the Equal Earth projection (an equal-area projection, so a large
country does not look larger than it is); scales the world to WIDTH units and rounds every
point to a whole unit (a 110m shape holds no finer detail at that size), dropping points that
round onto the one before; and writes each ring as relative path commands, which are shorter.

The shapes' numeric ids (ISO 3166-1 numeric) become alpha-2 codes through pycountry (a
development dependency; the site only reads the output). Three shapes have no id: Kosovo gets
XK, the code the casebook uses; Somaliland and Northern Cyprus are drawn as part of Somalia and
Cyprus, the member states the United Nations recognises there and the host countries the
casebook records (the border between the two shapes is dropped, so each is one outline).
Antarctica is left out: no operation was hosted there, and it would take a fifth of the map's
height.
"""

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path

import pycountry

GEODATA = Path(__file__).resolve().parent.parent / "cases" / "geodata"
SOURCE = GEODATA / "countries-110m.json"
OUTPUT = GEODATA / "world-map.json"
WIDTH = 1000

# Shapes without an ISO numeric id, by their Natural Earth name.
CODE_BY_NAME = {"Kosovo": "XK", "Somaliland": "SO", "N. Cyprus": "CY"}
LEFT_OUT = {"Antarctica"}

# Equal Earth (Šavrič, Patterson and Jenny, 2018).
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(longitude, latitude):
    """(x, y) of a point given in degrees; y grows northwards."""
    lam, phi = math.radians(longitude), math.radians(latitude)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


def decoded_arcs(topology):
    """Every arc as a list of (longitude, latitude): the quantized deltas summed, then scaled."""
    (scale_x, scale_y), (shift_x, shift_y) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def ring(arcs, indexes):
    """A closed ring from its arcs; consecutive arcs share their joining point, kept once."""
    points = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def split_at_antimeridian(points):
    """
    A ring as one or more rings that stay on one side of the 180th meridian. world-atlas joins
    shapes across it (Russia's Chukotka, Fiji): on a flat map such a ring would stretch across
    the whole world. Each crossing ends a piece at the meridian, at the latitude where the edge
    crosses it, and starts the next on the other edge; the first and last pieces, on the same
    side, are one; each piece is closed along the meridian.
    """
    pieces, current = [], [points[0]]
    for (lon0, lat0), (lon1, lat1) in zip(points, points[1:], strict=False):
        if abs(lon1 - lon0) > 180:
            side = 180 if lon0 > 0 else -180
            # The distance to the meridian on each side, going the short way round.
            before, after = abs(side - lon0), abs(-side - lon1)
            latitude = lat0 + (lat1 - lat0) * before / (before + after) if before + after else lat0
            current.append((side, latitude))
            pieces.append(current)
            current = [(-side, latitude)]
        current.append((lon1, lat1))
    if not pieces:
        return [points]
    pieces[0] = current + pieces[0]
    return pieces


def polygons(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def code_of(geometry):
    name = geometry["properties"]["name"]
    if name in CODE_BY_NAME:
        return CODE_BY_NAME[name]
    country = pycountry.countries.get(numeric=geometry["id"])
    if country is None:
        raise SystemExit(f"No ISO 3166-1 country has the numeric code {geometry['id']} ({name}).")
    return country.alpha_2


def path_data(rings, to_svg):
    """Relative path commands for rings of projected points, each ring closed."""
    parts = []
    for points in rings:
        rounded = []
        for point in points:
            x, y = to_svg(point)
            if not rounded or (x, y) != rounded[-1]:
                rounded.append((x, y))
        if len(rounded) > 1 and rounded[0] == rounded[-1]:
            rounded.pop()
        if len(rounded) < 3:
            continue  # an islet smaller than a unit: nothing to draw
        (x0, y0), commands = rounded[0], []
        previous = rounded[0]
        for x, y in rounded[1:]:
            commands.append(f"{x - previous[0]} {y - previous[1]}")
            previous = (x, y)
        parts.append(f"M{x0} {y0}l" + " ".join(commands) + "z")
    return "".join(parts).replace(" -", "-")


def arc_ends(arcs, index):
    """(first point, last point) of an arc as a ring uses it (reversed for ~index)."""
    points = arcs[index] if index >= 0 else arcs[~index]
    return (points[0], points[-1]) if index >= 0 else (points[-1], points[0])


def merged_rings(arcs, geometries):
    """
    The rings of several shapes drawn as one country (Somalia and Somaliland): the arcs they
    share, the border between them, are dropped, and the remaining arcs of the rings that
    touched it joined end to start into new rings. Rings that share nothing stay as they are.
    """
    rings = [indexes for geometry in geometries for polygon in polygons(geometry) for indexes in polygon]
    uses = Counter(index if index >= 0 else ~index for indexes in rings for index in indexes)
    shared = {arc for arc, count in uses.items() if count > 1}
    kept, loose = [], []
    for indexes in rings:
        if any((index if index >= 0 else ~index) in shared for index in indexes):
            loose += [index for index in indexes if (index if index >= 0 else ~index) not in shared]
        else:
            kept.append(indexes)
    starting_at = {arc_ends(arcs, index)[0]: index for index in loose}
    while starting_at:
        index = next(iter(starting_at.values()))
        joined = []
        while index is not None:
            joined.append(index)
            del starting_at[arc_ends(arcs, index)[0]]
            index = starting_at.get(arc_ends(arcs, index)[1])
        kept.append(joined)
    return kept


def build(topology):
    arcs = decoded_arcs(topology)
    geometries_of = {}  # code -> [geometry], more than one where shapes are drawn as one country
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry["properties"]["name"] not in LEFT_OUT:
            geometries_of.setdefault(code_of(geometry), []).append(geometry)
    shapes = {}  # code -> [(Natural Earth name, [ring of projected points])]
    for code, geometries in geometries_of.items():
        if len(geometries) == 1:
            rings = [indexes for polygon in polygons(geometries[0]) for indexes in polygon]
        else:
            rings = merged_rings(arcs, geometries)
        projected = [
            [equal_earth(*point) for point in piece]
            for indexes in rings
            for piece in split_at_antimeridian(ring(arcs, indexes))
        ]
        # The name of the shape with an ISO id, where several make one country.
        name = next((g["properties"]["name"] for g in geometries if "id" in g), geometries[0]["properties"]["name"])
        shapes[code] = [(name, projected)]

    every_point = [point for parts in shapes.values() for _, rings in parts for points in rings for point in points]
    left, right = min(x for x, _ in every_point), max(x for x, _ in every_point)
    bottom, top = min(y for _, y in every_point), max(y for _, y in every_point)
    scale = WIDTH / (right - left)
    height = math.ceil((top - bottom) * scale)

    def to_svg(point):
        return round((point[0] - left) * scale), round((top - point[1]) * scale)

    countries = {}
    for code in sorted(shapes):
        names = [name for name, _ in shapes[code]]
        rings = [points for _, parts in shapes[code] for points in parts]
        corners = [to_svg(point) for points in rings for point in points]
        countries[code] = {
            "name": names[0],
            "d": path_data(rings, to_svg),
            # [left, top, right, bottom]: what a map zoomed on the country must show.
            "box": [
                min(x for x, _ in corners),
                min(y for _, y in corners),
                max(x for x, _ in corners),
                max(y for _, y in corners),
            ],
        }
    return {
        "source": "Natural Earth 1:110m Admin 0 countries (version 4.1.0), via world-atlas 2.0.2 countries-110m.json",
        "projection": "Equal Earth",
        "width": WIDTH,
        "height": height,
        "countries": countries,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Exit 1 if the committed output differs from a rebuild.")
    args = parser.parse_args(argv)
    text = json.dumps(build(json.loads(SOURCE.read_text())), ensure_ascii=False, indent=0, sort_keys=True) + "\n"
    if args.check:
        if OUTPUT.read_text() != text:
            print(f"{OUTPUT} is out of date: run scripts/build_world_map.py", file=sys.stderr)
            return 1
        print(f"{OUTPUT} is up to date.")
        return 0
    OUTPUT.write_text(text)
    print(f"Wrote {OUTPUT} ({len(text):,} bytes).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
