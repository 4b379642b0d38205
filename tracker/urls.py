from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from countries.views import compare
from practices.feeds import ChangesFeed

from .caching import cache_on_dataset
from .health import healthz, readyz
from .views import citation, search_page

# Unexpected errors: 503 while the database is unreachable, JSON under /api/.
handler500 = "tracker.views.server_error"

# Language-neutral: the admin (researchers work in English), the API and the health probes.
urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),  # "admin/" unless ADMIN_URL says otherwise
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/v1/", include("tracker.api_urls")),
]

# Public pages: English keeps the unprefixed URLs, other languages live under /es/, /fr/, /ar/.
urlpatterns += i18n_patterns(
    path("countries/", include("countries.urls")),
    path("compare/", compare, name="compare"),
    path("search/", search_page, name="search"),
    path("cite/<str:kind>/<str:identifier>.<str:format>", citation, name="citation"),
    path("feed/", cache_on_dataset(ChangesFeed()), name="feed"),
    path("corrections/", include("corrections.urls")),
    path("", include("practices.urls")),
    prefix_default_language=False,
)
