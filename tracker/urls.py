from django.contrib import admin
from django.urls import include, path

from countries.views import compare
from practices.feeds import ChangesFeed

from .views import search_page

urlpatterns = [
    path("admin/", admin.site.urls),
    path("countries/", include("countries.urls")),
    path("compare/", compare, name="compare"),
    path("search/", search_page, name="search"),
    path("feed/", ChangesFeed(), name="feed"),
    path("", include("practices.urls")),
]
