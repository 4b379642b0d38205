"""Tests of the world map geometry (countries/data/world-map.json).

Plain functions, no database: they run with or without pytest-django.
"""

import io
import json
import re
from pathlib import Path

import pycountry
import pytest

from countries.worldmap import WORLD_MAP_JSON, world_map

PROJECT_DIR = Path(__file__).resolve().parents[1]
WORLD_ATLAS = PROJECT_DIR / "node_modules" / "world-atlas"
SOURCE = WORLD_ATLAS / "countries-50m.json"

EXPECTED = ["be", "mx", "th", "my", "id", "au", "us", "ru", "fj", "gb"]
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _load():
    return json.loads(WORLD_MAP_JSON.read_text(encoding="utf-8"))


def test_json_loads_with_expected_keys():
    data = _load()
    assert set(data) == {"source", "projection", "width", "height", "shapes"}
    assert data["projection"] == "Equal Earth"
    assert data["source"].startswith("Natural Earth via world-atlas ")
    assert len(data["shapes"]) > 200
    codes = [shape["iso2"] for shape in data["shapes"]]
    assert codes == sorted(codes), "shapes must be sorted by iso2"
    assert len(codes) == len(set(codes)), "one shape per country"


def test_json_is_small_enough_to_inline():
    assert WORLD_MAP_JSON.stat().st_size < 350 * 1024


@pytest.mark.parametrize("iso2", EXPECTED)
def test_expected_countries_have_shapes(iso2):
    assert world_map().paths.get(iso2), f"no shape for {iso2}"


def test_keys_are_lowercase_iso_alpha2():
    for iso2 in world_map().paths:
        assert iso2 == iso2.lower() and len(iso2) == 2, iso2
        assert pycountry.countries.get(alpha_2=iso2.upper()) is not None, iso2


def test_paths_start_with_move_and_view_box_is_positive():
    wm = world_map()
    assert wm.width > 0 and wm.height > 0
    assert wm.view_box == f"0 0 {wm.width} {wm.height}"
    assert all(float(n) > 0 for n in wm.view_box.split()[2:])
    for iso2, d in wm.paths.items():
        assert d.startswith("M"), iso2
        assert d.endswith("Z"), iso2


def test_coordinates_stay_inside_the_view_box_without_streaks():
    """No ring crosses the map: the antimeridian is cut (Russia, Fiji)."""
    wm = world_map()
    for iso2, d in wm.paths.items():
        if iso2 in wm.markers:
            continue
        for ring in d.split("M")[1:]:
            numbers = [float(n) for n in NUMBER.findall(ring)]
            points = list(zip(numbers[0::2], numbers[1::2], strict=True))
            assert len(points) >= 3, iso2
            for x, y in points:
                assert 0 <= x <= wm.width and 0 <= y <= wm.height, (iso2, x, y)
            for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
                on_south_pole_line = y1 == y2 >= wm.height - 2  # Antarctica's base
                assert abs(x2 - x1) < wm.width / 4 or on_south_pole_line, (
                    f"{iso2} ring streaks across the map"
                )


def test_antimeridian_countries_are_on_both_sides():
    wm = world_map()
    # Chukotka (east of 180 degrees) sits left of centre, the rest of Russia right.
    russia_x = [float(n) for n in NUMBER.findall(wm.paths["ru"])[0::2]]
    assert min(russia_x) < wm.width / 4 and max(russia_x) > wm.width * 3 / 4
    fiji_x = [float(n) for n in NUMBER.findall(wm.paths["fj"])[0::2]]
    assert max(fiji_x) > wm.width * 0.95


def test_world_map_is_cached_and_markers_come_last():
    wm = world_map()
    assert world_map() is wm
    codes = list(wm.paths)
    polygons = [c for c in codes if c not in wm.markers]
    assert codes == polygons + sorted(wm.markers)
    assert "tv" in wm.markers  # Tuvalu is missing from Natural Earth 50m


def _settings_ready():
    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018  (raises when not configured)
    except Exception:
        return False
    return True


def test_build_command_reproduces_committed_json(tmp_path):
    if not SOURCE.is_file():
        pytest.skip(
            f"{SOURCE.relative_to(PROJECT_DIR)} missing: run `npm install` to get world-atlas"
        )
    output = tmp_path / "world-map.json"
    if _settings_ready():
        from django.core.management import call_command

        call_command(
            "build_world_map", source=str(SOURCE), output=str(output), stdout=io.StringIO()
        )
    else:
        from countries.management.commands.build_world_map import build_world_map, dump_world_map

        output.write_text(dump_world_map(build_world_map(SOURCE)), encoding="utf-8")
    assert output.read_bytes() == WORLD_MAP_JSON.read_bytes(), (
        "countries/data/world-map.json is stale: run `python manage.py build_world_map`"
    )
