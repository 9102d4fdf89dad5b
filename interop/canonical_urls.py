"""URLs at the tracker's canonical FHIR base (FHIR_LOCAL_SYSTEM_BASE, by default {PUBLIC_BASE_URL}/fhir),
outside /api/: what a validator fetches to resolve an extension's URL."""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import path

from interop import api

BASE_PATH = urlsplit(settings.FHIR_LOCAL_SYSTEM_BASE).path.strip("/")
PREFIX = f"{BASE_PATH}/" if BASE_PATH else ""

urlpatterns = [
    path(f"{PREFIX}StructureDefinition/<str:name>", api.StructureDefinitionView.as_view(),
         name="fhir-structure-definition"),
]  # fmt: skip
