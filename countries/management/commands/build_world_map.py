"""Build ``countries/data/world-map.json`` from the world-atlas TopoJSON.

The public pages draw the world map as an inline SVG rendered on the server.
This command turns the Natural Earth country polygons shipped by the npm
package ``world-atlas`` (``npm install`` in the project root) into one SVG
path per country, keyed by lowercase ISO 3166-1 alpha-2 code.

Pipeline (plain Python, no extra dependency):

1. decode the delta-encoded, quantized TopoJSON arcs with the transform;
2. project every arc with the Equal Earth projection (longitudes are unwrapped
   along each arc first, so arcs that cross the antimeridian stay continuous);
3. simplify each *arc* with Douglas-Peucker in pixel space (arcs are shared by
   neighbouring countries, so borders stay identical on both sides);
4. stitch the simplified arcs into rings, cut the rings that cross the
   antimeridian (Russia, Fiji, Antarctica) at +/-180 degrees, closing rings
   that go round a pole through the pole;
5. round to 0.1 px, drop repeated points and rings that became degenerate
   or smaller than ``MIN_RING_AREA``; every ring becomes its own ``M...Z``
   sub-path, so the result draws correctly with ``fill-rule="evenodd"``
   (holes such as Lesotho in South Africa are plain extra rings);
6. a country whose every ring vanished, or that has no polygon at all in the
   data set, is drawn as a small circle (``MARKER_RADIUS``) at the centroid of
   its largest ring, or at ``EXTRA_MARKERS`` for UN member states missing from
   the data (Tuvalu at 50m).

Features without an ISO 3166-1 numeric id: Somaliland and Northern Cyprus are
merged into Somalia and Cyprus (``MERGE_INTO``, ISO 3166 has no code for
them); Kosovo (no ISO code), Siachen Glacier and "Indian Ocean Ter." are
skipped.

The output is deterministic: running the command twice on the same source
writes byte-identical files (see ``tests/test_world_map.py``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

APP_DIR = Path(__file__).resolve().parents[2]
PROJECT_DIR = APP_DIR.parent
DEFAULT_SOURCE = PROJECT_DIR / "node_modules" / "world-atlas" / "countries-50m.json"
DEFAULT_OUTPUT = APP_DIR / "data" / "world-map.json"

WIDTH = 1000  # pixels of the viewBox; height follows from the data extent
PADDING = 1.0  # pixels of margin around the map
TOLERANCE = 0.3  # Douglas-Peucker tolerance in pixels
MIN_RING_AREA = 0.5  # rings smaller than this (square pixels) are dropped
MARKER_RADIUS = 1.5  # radius in pixels of the circle drawn for tiny states

# UN member states absent from the chosen Natural Earth resolution, with the
# lon/lat of their capital, drawn as a marker so they can still be coloured.
EXTRA_MARKERS = {
    "tv": (179.194, -8.521),  # Tuvalu (Funafuti), missing from 50m and 110m
}

# Features without an ISO 3166-1 numeric id that ISO 3166 counts as part of a
# member state: merged into it, with the shared border dissolved. Kosovo (no
# ISO code), Siachen Glacier (disputed) and "Indian Ocean Ter." are skipped.
MERGE_INTO = {
    "Somaliland": "so",
    "N. Cyprus": "cy",
}

# Equal Earth (Savric, Patterson & Jenny 2018), same constants as d3-geo.
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2
_X_MAX = math.pi / (_M * _A1)  # x of (180, 0) for a unit sphere


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """Project degrees to Equal Earth unit-sphere coordinates (y up)."""
    lam = math.radians(lon)
    theta = math.asin(_M * math.sin(math.radians(lat)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


# --------------------------------------------------------------------------
# TopoJSON decoding
# --------------------------------------------------------------------------


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Return every arc as a list of absolute (lon, lat) points."""
    transform = topology.get("transform")
    arcs = []
    if transform:
        (kx, ky), (dx, dy) = transform["scale"], transform["translate"]
        for arc in topology["arcs"]:
            x = y = 0
            points = []
            for px, py in arc:
                x += px
                y += py
                points.append((x * kx + dx, y * ky + dy))
            arcs.append(points)
    else:
        for arc in topology["arcs"]:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
    return arcs


def _unwrap(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Make longitudes continuous (no jump larger than 180 degrees)."""
    if not points:
        return []
    out = [points[0]]
    offset = 0.0
    prev = points[0][0]
    for lon, lat in points[1:]:
        delta = lon - prev
        if delta > 180:
            offset -= 360
        elif delta < -180:
            offset += 360
        prev = lon
        out.append((lon + offset, lat))
    return out


# --------------------------------------------------------------------------
# Simplification
# --------------------------------------------------------------------------


def _douglas_peucker(points: list[tuple[float, float]], tolerance: float) -> list[int]:
    """Indices of the points kept by Douglas-Peucker; both ends always kept."""
    n = len(points)
    if n < 3:
        return list(range(n))
    keep = [False] * n
    keep[0] = keep[-1] = True
    tol2 = tolerance * tolerance
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        ax, ay = points[first]
        bx, by = points[last]
        dx, dy = bx - ax, by - ay
        seg2 = dx * dx + dy * dy
        best, best_d2 = -1, tol2
        for i in range(first + 1, last):
            px, py = points[i]
            if seg2 == 0:
                d2 = (px - ax) ** 2 + (py - ay) ** 2
            else:
                cross = (px - ax) * dy - (py - ay) * dx
                d2 = cross * cross / seg2
            if d2 > best_d2:
                best, best_d2 = i, d2
        if best >= 0:
            keep[best] = True
            if best - first > 1:
                stack.append((first, best))
            if last - best > 1:
                stack.append((best, last))
    return [i for i in range(n) if keep[i]]


def simplify_arcs(arcs, scale: float, tolerance: float):
    """Simplify each arc in projected pixel space; returns (lon, lat) arcs."""
    simplified = []
    for arc in arcs:
        projected = [equal_earth(lon, lat) for lon, lat in _unwrap(arc)]
        projected = [(x * scale, y * scale) for x, y in projected]
        simplified.append([arc[i] for i in _douglas_peucker(projected, tolerance)])
    return simplified


# --------------------------------------------------------------------------
# Rings and the antimeridian
# --------------------------------------------------------------------------


def _ring_from_arcs(indices: list[int], arcs) -> list[tuple[float, float]]:
    ring: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(arc[1:] if ring else arc)
    return ring


def _dissolve(rings_as_arcs: list[list[int]], arcs) -> list[list[tuple[float, float]]]:
    """Stitch rings after removing the arcs shared inside the group.

    An arc used twice by the same group (once in each direction) is an inner
    border; what remains is chained end to start into closed rings.
    """
    uses: dict[int, int] = {}
    for indices in rings_as_arcs:
        for index in indices:
            key = index if index >= 0 else ~index
            uses[key] = uses.get(key, 0) + 1
    pieces = []
    for indices in rings_as_arcs:
        for index in indices:
            if uses[index if index >= 0 else ~index] == 1:
                pieces.append(arcs[index] if index >= 0 else arcs[~index][::-1])
    by_start: dict[tuple[float, float], list[int]] = {}
    for number, piece in enumerate(pieces):
        by_start.setdefault(piece[0], []).append(number)
    used = [False] * len(pieces)
    rings = []
    for number in range(len(pieces)):
        if used[number]:
            continue
        used[number] = True
        ring = list(pieces[number])
        while ring[-1] != ring[0]:
            candidates = [n for n in by_start.get(ring[-1], []) if not used[n]]
            if not candidates:
                break  # open chain: cannot happen with valid topology
            used[candidates[0]] = True
            ring.extend(pieces[candidates[0]][1:])
        rings.append(ring)
    return rings


def _clip(ring, x0: float, keep_east: bool):
    """Sutherland-Hodgman clip of a ring against the vertical line lon=x0."""

    def inside(p):
        return p[0] >= x0 if keep_east else p[0] <= x0

    out = []
    n = len(ring)
    for i in range(n):
        cur, nxt = ring[i], ring[(i + 1) % n]
        cur_in, nxt_in = inside(cur), inside(nxt)
        if cur_in:
            out.append(cur)
        if cur_in != nxt_in:
            t = (x0 - cur[0]) / (nxt[0] - cur[0])
            out.append((x0, cur[1] + t * (nxt[1] - cur[1])))
    return out


def split_at_antimeridian(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """Return the ring as one or more rings with longitudes in [-180, 180]."""
    if all(abs(ring[i + 1][0] - ring[i][0]) <= 180 for i in range(len(ring) - 1)):
        return [ring]
    unwrapped = _unwrap(ring)
    if ring[0] == ring[-1]:
        unwrapped = unwrapped[:-1] if abs(unwrapped[-1][0] - unwrapped[0][0]) < 1e-9 else unwrapped
    net = unwrapped[-1][0] - unwrapped[0][0]
    if abs(net) > 180:
        # The ring goes round a pole (Antarctica): close it through the pole.
        pole = -90.0 if sum(p[1] for p in ring) < 0 else 90.0
        unwrapped = unwrapped + [(unwrapped[-1][0], pole), (unwrapped[0][0], pole)]
    lons = [p[0] for p in unwrapped]
    pieces = []
    k_min = math.floor((min(lons) + 180) / 360)
    k_max = math.floor((max(lons) + 180) / 360)
    for k in range(k_min, k_max + 1):
        west, east = -180 + 360 * k, 180 + 360 * k
        piece = _clip(_clip(unwrapped, west, keep_east=True), east, keep_east=False)
        if len(piece) >= 3:
            pieces.append([(lon - 360 * k, lat) for lon, lat in piece])
    return pieces


def _ring_area(ring) -> float:
    area = 0.0
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        area += x1 * y2 - x2 * y1
    return area / 2


def _centroid(ring) -> tuple[float, float]:
    area = _ring_area(ring)
    if abs(area) < 1e-12:
        n = len(ring)
        return sum(p[0] for p in ring) / n, sum(p[1] for p in ring) / n
    cx = cy = 0.0
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        f = x1 * y2 - x2 * y1
        cx += (x1 + x2) * f
        cy += (y1 + y2) * f
    return cx / (6 * area), cy / (6 * area)


# --------------------------------------------------------------------------
# Path output
# --------------------------------------------------------------------------


def _tenths(value: float) -> int:
    return math.floor(value * 10 + 0.5)


def _fmt(tenths: int) -> str:
    whole, frac = divmod(tenths, 10)
    return f"{whole}.{frac}" if frac else str(whole)


def _ring_path(ring: list[tuple[int, int]]) -> str:
    head = f"M{_fmt(ring[0][0])} {_fmt(ring[0][1])}"
    tail = " ".join(f"{_fmt(x)} {_fmt(y)}" for x, y in ring[1:])
    return f"{head}L{tail}Z"


def _circle_path(cx: float, cy: float, r: float) -> str:
    x0, x1, y, rr = (
        _fmt(_tenths(cx - r)),
        _fmt(_tenths(cx + r)),
        _fmt(_tenths(cy)),
        _fmt(_tenths(r)),
    )
    return f"M{x0} {y}A{rr} {rr} 0 1 0 {x1} {y}A{rr} {rr} 0 1 0 {x0} {y}Z"


def _to_tenths(ring, to_pixels) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lon, lat in ring:
        x, y = to_pixels(lon, lat)
        point = (_tenths(x), _tenths(y))
        if not out or out[-1] != point:
            out.append(point)
    while len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def _iso2(numeric_id) -> str | None:
    import pycountry

    if numeric_id is None:
        return None
    country = pycountry.countries.get(numeric=str(numeric_id).zfill(3))
    return country.alpha_2.lower() if country else None


def _atlas_version(source: Path) -> str:
    package = source.parent / "package.json"
    try:
        return json.loads(package.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return "unknown version"


def build_world_map(source_path, *, width: int = WIDTH, tolerance: float = TOLERANCE) -> dict:
    """Build the world map dictionary from a world-atlas ``countries-*.json``.

    Pure function: reads ``source_path`` (and the ``package.json`` beside it
    for the version), returns ``{"source", "projection", "width", "height",
    "shapes": [{"iso2", "d"}, ...]}`` with shapes sorted by ``iso2``.
    """
    source = Path(source_path)
    topology = json.loads(source.read_text(encoding="utf-8"))
    object_name = (
        "countries" if "countries" in topology["objects"] else next(iter(topology["objects"]))
    )
    geometries = topology["objects"][object_name]["geometries"]

    scale = (width - 2 * PADDING) / (2 * _X_MAX)
    arcs = simplify_arcs(decode_arcs(topology), scale, tolerance)

    # Rings in lon/lat per country, cut at the antimeridian.
    # Ring arc lists per country; unnamed features merged per MERGE_INTO.
    ring_arcs: dict[str, list[list[int]]] = {}
    merged: set[str] = set()
    for geometry in geometries:
        iso2 = _iso2(geometry.get("id"))
        if iso2 is None:
            iso2 = MERGE_INTO.get(geometry.get("properties", {}).get("name"))
            if iso2 is None:
                continue
            merged.add(iso2)
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            polygons = []
        ring_arcs.setdefault(iso2, []).extend(ring for polygon in polygons for ring in polygon)

    # Rings in lon/lat per country, cut at the antimeridian.
    countries: dict[str, list[list[tuple[float, float]]]] = {}
    for iso2, rings_as_arcs in ring_arcs.items():
        if iso2 in merged:
            rings = _dissolve(rings_as_arcs, arcs)
        else:
            rings = [_ring_from_arcs(indices, arcs) for indices in rings_as_arcs]
        countries[iso2] = [piece for ring in rings for piece in split_at_antimeridian(ring)]

    # Extent of the projected data (y grows downwards in SVG).
    ys = [
        equal_earth(lon, lat)[1]
        for rings in countries.values()
        for ring in rings
        for lon, lat in ring
    ]
    # Horizontally the frame is the whole projected globe (the widest point,
    # 180 degrees on the equator, is at sea); vertically the data extent.
    min_x, max_y = -_X_MAX, max(ys)
    height = math.ceil((max_y - min(ys)) * scale + 2 * PADDING)

    def to_pixels(lon: float, lat: float) -> tuple[float, float]:
        x, y = equal_earth(lon, lat)
        return (x - min_x) * scale + PADDING, (max_y - y) * scale + PADDING

    shapes = []
    for iso2 in sorted(set(countries) | set(EXTRA_MARKERS)):
        rings = countries.get(iso2, [])
        parts = []
        for ring in rings:
            points = _to_tenths(ring, to_pixels)
            if len(points) >= 3 and abs(_ring_area(points)) / 100 >= MIN_RING_AREA:
                parts.append(_ring_path(points))
        if not parts:
            if rings:
                largest = max(rings, key=lambda r: abs(_ring_area([to_pixels(*p) for p in r])))
                cx, cy = _centroid([to_pixels(*p) for p in largest])
            elif iso2 in EXTRA_MARKERS:
                cx, cy = to_pixels(*EXTRA_MARKERS[iso2])
            else:
                continue
            parts.append(_circle_path(cx, cy, MARKER_RADIUS))
        shapes.append({"iso2": iso2, "d": "".join(parts)})

    return {
        "source": f"Natural Earth via world-atlas {_atlas_version(source)}, public domain",
        "projection": "Equal Earth",
        "width": width,
        "height": height,
        "shapes": shapes,
    }


def dump_world_map(data: dict) -> str:
    """Serialise deterministically, one shape per line (readable diffs)."""
    head = {key: value for key, value in data.items() if key != "shapes"}
    lines = ["{"]
    for key, value in head.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    lines.append('  "shapes": [')
    shapes = [
        "    " + json.dumps(shape, ensure_ascii=False, separators=(", ", ": "))
        for shape in data["shapes"]
    ]
    lines.append(",\n".join(shapes))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    requires_system_checks: list = []
    help = "Build countries/data/world-map.json (SVG paths per country) from world-atlas TopoJSON."

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            default=str(DEFAULT_SOURCE),
            help="world-atlas countries TopoJSON (default: %(default)s)",
        )
        parser.add_argument(
            "--output",
            default=str(DEFAULT_OUTPUT),
            help="JSON file to write (default: %(default)s)",
        )

    def handle(self, *args, **options):
        source = Path(options["source"])
        if not source.is_file():
            raise CommandError(f"{source} not found: run `npm install` in the project root first.")
        data = build_world_map(source)
        output = Path(options["output"])
        output.parent.mkdir(parents=True, exist_ok=True)
        text = dump_world_map(data)
        output.write_text(text, encoding="utf-8")
        self.stdout.write(
            f"Wrote {output} ({len(text.encode('utf-8')) // 1024} KB, "
            f"{len(data['shapes'])} shapes, {data['width']}x{data['height']})."
        )
