import datetime
import functools

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import get_language

register = template.Library()


@register.filter
def verbose_name(record):
    """The record's kind, in the visitor's language: "law or policy", "status"…"""
    return record._meta.verbose_name


def format_partial_date(text):
    return _formatted_date(text, get_language())


@functools.lru_cache(maxsize=10_000)
def _formatted_date(text, language):
    """Formatting a date reads the language's formats each time: a page writes hundreds of
    dates, mostly the same ones, so each is formatted once per language."""
    pieces = text.split("-")
    if len(pieces) == 2:
        return date_format(datetime.date(int(pieces[0]), int(pieces[1]), 1), "YEAR_MONTH_FORMAT")
    if len(pieces) == 3:
        return date_format(datetime.date.fromisoformat(text), "DATE_FORMAT")
    return text


@register.filter
def local_date(value):
    """An ISO partial date ("2020", "2020-11", "2020-11-05", or a "start/end" period)
    written the visitor's way: "2020", "November 2020", "noviembre de 2020"…"""
    if not value:
        return value
    return "–".join(format_partial_date(part) for part in str(value).split("/"))


@register.simple_tag(takes_context=True)
def language_alternates(context):
    """This page in every site language: same path, same filters."""
    request = context["request"]
    current = get_language()
    return [
        {
            "code": code,
            "name": name,
            "url": translate_url(request.get_full_path(), code),
            "path": translate_url(request.path, code),
            "current": code == current,
        }
        for code, name in settings.LANGUAGES
    ]


RIGHT_TO_LEFT = {"ar"}


@register.simple_tag
def text_attrs(record, name):
    """The `lang` and `dir` of a record's text where it is not in the page's language.

    A Spanish page shows an untranslated English summary marked `lang="en" dir="ltr"`,
    so that screen readers pronounce it as English and an Arabic page lays it out
    left to right.
    """
    language = record.text_language(name)
    if language == get_language() or not record.text_in(name, language):
        return format_html('dir="{}"', "auto")
    direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
    return format_html('lang="{}" dir="{}"', language, direction)


@register.simple_tag
def quote_attrs(citation):
    """A quote in its source's language: `lang` and `dir` where that is not the page's."""
    language = citation.source.language
    if language.split("-")[0] == get_language():
        return format_html('dir="{}"', "auto")
    direction = "rtl" if language.split("-")[0] in RIGHT_TO_LEFT else "ltr"
    return format_html('lang="{}" dir="{}"', language, direction)
