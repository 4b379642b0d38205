from django import template

register = template.Library()


@register.filter
def verbose_name(record):
    """The record's kind, in the visitor's language: "law or policy", "status"…"""
    return record._meta.verbose_name
