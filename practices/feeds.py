"""Atom feeds of published changes: the whole tracker, one country, one indicator."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from countries.views import get_country

from .models import Indicator, Status, latest_changes

FEED_LENGTH = 30


class ChangesFeed(Feed):
    feed_type = Atom1Feed

    def title(self, obj=None):
        return _("ATD Tracker: latest changes")

    def subtitle(self, obj=None):
        return _("Statuses, laws, pilots, pledges and figures as they are published or updated.")

    def link(self, obj=None):
        return reverse("practices:home")

    def items(self, obj=None):
        return latest_changes(limit=FEED_LENGTH)

    def item_title(self, record):
        if isinstance(record, Status):
            return f"{record.place_name}: {record.indicator.name} — {record.value.label}"
        return f"{record._meta.verbose_name.capitalize()}: {record}"

    def item_description(self, record):
        if isinstance(record, Status):
            parts = [
                _("Since %(date)s.") % {"date": record.effective_date}
                if record.effective_from
                else _("Reported as of %(date)s; start not known.")
                % {"date": record.observed_date},
                record.legal_position,
            ]
            if record.practice_differs:
                parts.append(_("In practice: %(practice)s") % {"practice": record.practice})
            return " ".join(parts)
        return getattr(record, "summary", "") or getattr(record, "description", "") or str(record)

    def item_link(self, record):
        return record.get_absolute_url()

    def item_guid(self, record):
        return f"{record._meta.model_name}:{record.pk}"

    item_guid_is_permalink = False

    def item_updateddate(self, record):
        return record.updated_at

    def item_pubdate(self, record):
        return record.created_at


class CountryChangesFeed(ChangesFeed):
    def get_object(self, request, code):
        return get_country(code)

    def title(self, country):
        return _("ATD Tracker: changes for %(country)s") % {"country": country.name}

    def link(self, country):
        return country.get_absolute_url()

    def items(self, country):
        return latest_changes(limit=FEED_LENGTH, country=country)


class IndicatorChangesFeed(ChangesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Indicator.objects.published(), slug=slug)

    def title(self, indicator):
        return _("ATD Tracker: changes on %(indicator)s") % {"indicator": indicator.name}

    def link(self, indicator):
        return indicator.get_absolute_url()

    def items(self, indicator):
        return latest_changes(limit=FEED_LENGTH, indicator=indicator)
