"""The map colours, as they reach the site, read apart for colour-blind readers.

Colours are simulated with the matrices of Machado, Oliveira and Fernandes (2009) at full
severity (protanopia, deuteranopia, tritanopia), applied to linear RGB, and compared as
CIELAB colour differences (CIE76 ΔE*ab; about 2.3 is just noticeable, 10 reads as another
colour at a glance).
"""

import itertools
import math
import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from practices.models import IndicatorValue

pytestmark = pytest.mark.django_db

MACHADO_2009 = {
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
    "typical vision": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
}
# A ban, a partial ban and a commitment are the three a reader must never confuse.
KEY_VALUES_APART = 40
# Any two values of one indicator.
NEIGHBOURS_APART = 10
# Any value and the map's "no status recorded" fill.
FROM_NO_DATA = 15
HATCH_LIGHT, HATCH_DARK = "#ffffff", "#1d2433"


def linear(hex_colour):
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def as_seen(hex_colour, vision):
    """The colour's CIELAB coordinates (D65) under a simulated vision."""
    matrix = MACHADO_2009[vision]
    rgb = [sum(w * c for w, c in zip(row, linear(hex_colour), strict=True)) for row in matrix]
    r, g, b = (min(1.0, max(0.0, c)) for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))


def difference(a, b, vision):
    return math.dist(as_seen(a, vision), as_seen(b, vision))


def worst_difference(a, b):
    return min(difference(a, b, vision) for vision in MACHADO_2009)


def contrast(a, b):
    def luminance(colour):
        r, g, b = linear(colour)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def css_colour(selector):
    css = (settings.BASE_DIR / "static" / "css" / "tracker.css").read_text()
    return re.search(re.escape(selector) + r" \{[^}]*?(?:fill|stroke): (#[0-9a-f]{6})", css)[1]


@pytest.fixture
def colours():
    """Each value's colour as the loader leaves it in the database, by indicator."""
    call_command("load_dataset", stdout=StringIO())
    by_indicator = {}
    for value in IndicatorValue.objects.select_related("indicator"):
        by_indicator.setdefault(value.indicator.slug, {})[value.slug] = value.colour
    return by_indicator


def test_the_simulation_is_the_published_one():
    # Machado et al. keep white white and turn pure red into a dark olive for protanopes.
    assert difference("#ffffff", "#ffffff", "protanopia") == 0
    assert as_seen("#ffffff", "deuteranopia")[0] == pytest.approx(100, abs=0.5)
    assert difference("#ff0000", "#00ff00", "typical vision") > 100
    assert difference("#ff0000", "#00ff00", "deuteranopia") < 30


def test_loading_the_dataset_again_puts_back_a_colour_changed_in_the_database():
    call_command("load_dataset", stdout=StringIO())
    ban = IndicatorValue.objects.get(
        indicator__slug="child-detention-prohibited", slug="prohibited-in-law"
    )
    yaml_colour = ban.colour
    IndicatorValue.objects.filter(pk=ban.pk).update(colour="#1a7f4b")
    call_command("load_dataset", stdout=StringIO())
    ban.refresh_from_db()
    assert ban.colour == yaml_colour != "#1a7f4b"


def test_a_ban_a_partial_ban_and_a_commitment_read_apart_in_every_vision(colours):
    child = colours["child-detention-prohibited"]
    agreement = colours["atd-agreement"]
    groups = [
        (child["prohibited-in-law"], child["partially-restricted"], child["commitment-to-end"]),
        (child["prohibited-with-exceptions"], child["commitment-to-end"]),
        (agreement["agreement-in-place"], agreement["agreement-in-development"]),
    ]
    for group in groups:
        for a, b in itertools.combinations(group, 2):
            assert worst_difference(a, b) >= KEY_VALUES_APART, (a, b)


def test_every_two_values_of_an_indicator_read_apart_in_every_vision(colours):
    too_close = [
        (indicator, first, second, round(worst_difference(values[first], values[second]), 1))
        for indicator, values in colours.items()
        for first, second in itertools.combinations(values, 2)
        if worst_difference(values[first], values[second]) < NEIGHBOURS_APART
    ]
    assert too_close == []


def test_every_value_stands_out_from_the_map_and_carries_a_visible_hatch(colours):
    no_data = css_colour(".world-map .country:not(.has-status)")
    ocean = css_colour(".world-map .ocean")
    outline = css_colour(".world-map .country.has-status")
    # A coloured country's dark outline separates it from grey neighbours and the sea.
    assert contrast(outline, no_data) >= 3 and contrast(outline, ocean) >= 3
    assert css_colour(".world-map .hatch-light") == HATCH_LIGHT
    assert css_colour(".world-map .hatch-dark") == HATCH_DARK
    for values in colours.values():
        for colour in values.values():
            assert worst_difference(colour, no_data) >= FROM_NO_DATA, colour
            # "Practice differs" hatching: one of its two stripes shows on every colour.
            assert max(contrast(colour, HATCH_LIGHT), contrast(colour, HATCH_DARK)) >= 3, colour
