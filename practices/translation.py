"""Indicators and vocabularies are translated as data (django-modeltranslation).

Researchers edit each language's text in the admin; English fills any gap. Records
(laws, pilots, statuses…) keep their text in the language they were written in.
"""

from modeltranslation.translator import TranslationOptions, register

from .models import Approach, Indicator, IndicatorValue, TargetGroup


@register(Indicator)
class IndicatorTranslation(TranslationOptions):
    fields = ("name", "question", "description")


@register(IndicatorValue)
class IndicatorValueTranslation(TranslationOptions):
    fields = ("label", "description")


@register(TargetGroup)
class TargetGroupTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Approach)
class ApproachTranslation(TranslationOptions):
    fields = ("name", "description")
