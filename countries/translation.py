"""Country and region names in every site language, filled from CLDR (Babel), never typed."""

from modeltranslation.translator import TranslationOptions, register

from .models import Country, CountryGroup, Region


@register(Country)
class CountryTranslation(TranslationOptions):
    fields = ("name",)


@register(Region)
class RegionTranslation(TranslationOptions):
    fields = ("name",)


@register(CountryGroup)
class CountryGroupTranslation(TranslationOptions):
    fields = ("name", "member_label")
