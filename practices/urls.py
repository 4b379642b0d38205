from django.urls import path

from tracker.caching import cache_on_dataset

from . import views
from .feeds import IndicatorChangesFeed

app_name = "practices"
urlpatterns = [
    path("", views.home, name="home"),
    path("indicators/", views.indicator_list, name="indicator-list"),
    path("indicators/<slug:slug>/", views.indicator_detail, name="indicator-detail"),
    path(
        "indicators/<slug:slug>/feed/",
        cache_on_dataset(IndicatorChangesFeed()),
        name="indicator-feed",
    ),
    path("about/", views.about, name="about"),
    path("statuses/", views.status_list, name="status-list"),
    path("laws/", views.law_list, name="law-list"),
    path("laws/<slug:slug>/", views.law_detail, name="law-detail"),
    path("pilots/", views.pilot_list, name="pilot-list"),
    path("pilots/<slug:slug>/", views.pilot_detail, name="pilot-detail"),
    path("pledges/", views.pledge_list, name="pledge-list"),
    path("pledges/<slug:slug>/", views.pledge_detail, name="pledge-detail"),
    path("figures/", views.figure_list, name="figure-list"),
    path("figures/<slug:slug>/", views.figure_detail, name="figure-detail"),
    path("sources/", views.source_list, name="source-list"),
    path("sources/<slug:slug>/", views.source_detail, name="source-detail"),
]
