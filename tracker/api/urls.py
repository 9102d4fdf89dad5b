"""The API's schema and its interactive documentation, for every app's endpoints."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from tracker.api.docs import api_docs

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", api_docs, name="api-docs"),
]
