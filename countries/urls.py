from django.urls import path

from practices.feeds import CountryChangesFeed

from . import views

app_name = "countries"
urlpatterns = [
    path("", views.country_list, name="list"),
    path("<str:code>/", views.country_detail, name="detail"),
    path("<str:code>/feed/", CountryChangesFeed(), name="feed"),
]
