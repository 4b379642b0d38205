import datetime

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.formats import date_format
from django.utils.translation import get_language

register = template.Library()


@register.filter
def verbose_name(record):
    """The record's kind, in the visitor's language: "law or policy", "status"…"""
    return record._meta.verbose_name


def format_partial_date(text):
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
