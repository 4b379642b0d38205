from django.urls import path

from practices.feeds import CountryChangesFeed
from tracker.caching import cache_on_dataset

from . import views

app_name = "countries"
urlpatterns = [
    path("", views.country_list, name="list"),
    path("<str:code>/", views.country_detail, name="detail"),
    path("<str:code>/feed/", cache_on_dataset(CountryChangesFeed()), name="feed"),
]
