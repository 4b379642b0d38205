"""Indicators and vocabularies are translated as data (django-modeltranslation).

Researchers edit each language's text in the admin; English fills any gap.

Records (statuses, laws, pilots, pledges, figures) are written in their
`original_language` and translated into the others; a page falls back to the original
where a translation is missing. Quotes are never translated: a citation's quote is the
source's own words.
"""

from modeltranslation.translator import TranslationOptions, register

from .models import (
    Approach,
    Figure,
    Indicator,
    IndicatorValue,
    Law,
    Organisation,
    Pilot,
    Pledge,
    PledgeProgress,
    Status,
    TargetGroup,
)


@register(Indicator)
class IndicatorTranslation(TranslationOptions):
    fields = ("name", "question", "description")


@register(IndicatorValue)
class IndicatorValueTranslation(TranslationOptions):
    fields = ("label", "description")


@register(Organisation)
class OrganisationTranslation(TranslationOptions):
    # Only where the body has an established name in the language (ACNUR, HCR…).
    fields = ("name", "short_name")


@register(TargetGroup)
class TargetGroupTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Approach)
class ApproachTranslation(TranslationOptions):
    fields = ("name", "description")


class RecordTranslation(TranslationOptions):
    # The original may be in any language, so no language is required as such: the model
    # requires the text in the record's own original language instead.
    required_languages = ()


@register(Status)
class StatusTranslation(RecordTranslation):
    fields = ("legal_position", "practice", "caveat")


@register(Law)
class LawTranslation(RecordTranslation):
    fields = ("title", "summary")


@register(Pilot)
class PilotTranslation(RecordTranslation):
    fields = ("name", "description", "outcomes")


@register(Pledge)
class PledgeTranslation(RecordTranslation):
    fields = ("text",)


@register(PledgeProgress)
class PledgeProgressTranslation(RecordTranslation):
    fields = ("text",)


@register(Figure)
class FigureTranslation(RecordTranslation):
    fields = ("description",)
