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
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
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


def coloured_shapes(statuses, names):
    """One shape per country for the template: path, name, and its status if it has one.

    ``statuses`` maps lowercase alpha-2 codes to current national statuses (with
    their value), ``names`` maps codes to country names (for the hover text).
    """
    shapes = []
    for code, d in world_map().paths.items():
        status = statuses.get(code)
        shapes.append(
            {
                "code": code,
                "d": d,
                "name": names.get(code, code.upper()),
                "status": status,
            }
        )
    return shapes
