"""World map geometry for the server-rendered inline SVG map.

Reads ``countries/data/world-map.json`` (built by ``manage.py build_world_map``
from Natural Earth via world-atlas, Equal Earth projection, coordinates in
pixels of a ``0 0 width height`` viewBox) and exposes it without touching the
database::

    from countries.worldmap import world_map

    wm = world_map()
    wm.view_box              # "0 0 1000 486"
    wm.paths["be"]           # "M…Z" sub-paths; draw with fill-rule="evenodd"
    wm.markers               # states too small for the map, drawn as a circle

``paths`` maps lowercase ISO 3166-1 alpha-2 codes to SVG path data. Its
iteration order puts the polygons first (sorted by code) and the circle
markers last, so a template that loops over it draws the markers on top of
their bigger neighbours (Andorra over Spain and France, Bahrain over Saudi
Arabia). Countries absent from the map (e.g. Kosovo) are simply not in it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType

WORLD_MAP_JSON = Path(__file__).resolve().parent / "data" / "world-map.json"


@dataclass(frozen=True)
class WorldMap:
    """Immutable world map: viewBox size, path data per country, attribution."""

    width: int
    height: int
    paths: Mapping[str, str]
    markers: frozenset[str]
    source: str
    projection: str

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def _is_marker(d: str) -> bool:
    # Polygons only use M, L and Z; the circle markers are two SVG arcs.
    return "A" in d


@lru_cache(maxsize=1)
def world_map() -> WorldMap:
    """Load the world map once per process (cached)."""
    data = json.loads(WORLD_MAP_JSON.read_text(encoding="utf-8"))
    shapes = sorted(data["shapes"], key=lambda s: (_is_marker(s["d"]), s["iso2"]))
    return WorldMap(
        width=int(data["width"]),
        height=int(data["height"]),
        paths=MappingProxyType({s["iso2"]: s["d"] for s in shapes}),
        markers=frozenset(s["iso2"] for s in shapes if _is_marker(s["d"])),
        source=data["source"],
        projection=data["projection"],
    )


def coloured_shapes(statuses, names, differs_only=False):
    """One shape per country for the template: path, name, and its status if it has one.

    ``statuses`` maps lowercase alpha-2 codes to current national statuses (with
    their value), ``names`` maps codes to country names (for the hover text). A shape
    whose practice differs from law carries the ``mark`` point of its warning symbol;
    with ``differs_only`` (the map's practice-differs view) the other statuses are
    ``muted``.
    """
    shapes = []
    for code, d in world_map().paths.items():
        status = statuses.get(code)
        differs = bool(status and status.practice_differs)
        shapes.append(
            {
                "code": code,
                "d": d,
                "name": names.get(code, code.upper()),
                "status": status,
                "differs": differs,
                "muted": differs_only and status is not None and not differs,
                "mark": label_point(code) if differs else None,
            }
        )
    return shapes


NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@cache
def label_point(code):
    """Where a symbol sits on a country: the centroid of its largest ring, or a marker's centre.

    Computed only for the few countries that need a symbol, once per process.
    """
    d = world_map().paths[code]
    if _is_marker(d):  # "M x y A r r 0 1 0 x+2r y …": the circle's centre is x + r
        x, y, radius = (float(n) for n in NUMBER.findall(d)[:3])
        return {"x": round(x + radius, 1), "y": round(y, 1)}
    best = (0.0, 0.0, 0.0)
    for ring in d.split("M")[1:]:
        numbers = [float(n) for n in NUMBER.findall(ring)]
        points = list(zip(numbers[::2], numbers[1::2], strict=False))
        area = cx = cy = 0.0
        for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
            cross = x0 * y1 - x1 * y0
            area += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
        if abs(area) > abs(best[0]):
            best = (area, cx / (3 * area), cy / (3 * area))
    return {"x": round(best[1], 1), "y": round(best[2], 1)}
