"""URLs at the tracker's canonical FHIR base (FHIR_LOCAL_SYSTEM_BASE, by default {PUBLIC_BASE_URL}/fhir),
outside /api/: what a validator fetches to resolve an extension's URL, and the local code systems."""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import path

from interop import api
from interop.code_systems import NAMES


def base_path() -> str:
    """The base's path as Django routes it: relative to PUBLIC_BASE_URL, which names the site's root
    (a proxy may serve the site under a prefix), or the URL's whole path if it is elsewhere."""
    public, base = settings.PUBLIC_BASE_URL.rstrip("/"), settings.FHIR_LOCAL_SYSTEM_BASE.rstrip("/")
    relative = base.removeprefix(public) if base.startswith(f"{public}/") else urlsplit(base).path
    return f"{relative.strip('/')}/" if relative.strip("/") else ""


urlpatterns = [
    path(
        f"{base_path()}StructureDefinition/<str:name>",
        api.StructureDefinitionView.as_view(),
        name="fhir-structure-definition",
    ),
    # One path per code system, not a pattern: at the site's root a pattern would shadow other pages.
    *[
        path(f"{base_path()}{name}", api.CodeSystemView.as_view(), {"name": name}, name=f"fhir-code-system-{name}")
        for name in NAMES
    ],
]
