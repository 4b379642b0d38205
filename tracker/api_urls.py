"""Routes of the JSON API, version 1, mounted at /api/v1/ (namespace "api")."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from . import api

app_name = "api"

router = SimpleRouter()
for resource, viewset in api.VIEWSETS.items():
    router.register(resource, viewset, basename=api.ROUTE_NAMES[resource])
router.register("withdrawals", api.WithdrawalViewSet, basename="withdrawal")

urlpatterns = [
    path("", api.ApiRootView.as_view(), name="root"),
    path("dataset.json", api.DatasetView.as_view(), name="dataset-json"),
    path("datapackage.zip", api.DataPackageView.as_view(), name="datapackage"),
    path("schema/", api.schema_view, name="schema"),
    path("docs/", api.docs_view, name="docs"),
    *router.urls,
    re_path(r"^(?P<path>.*)$", api.not_found),
]
