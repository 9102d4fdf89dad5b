from django.contrib import admin
from django.urls import include, path

from notifications.health import healthz
from notifications.patient_page import patient_page
from notifications.sms_inbound import sms_inbound

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("interop.urls")),
    path("", include("interop.canonical_urls")),
    path("api/", include("notifications.api_urls")),
    path("api/", include("outcomes.api_urls")),
    path("api/", include("procedures.api.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("p/<str:token>/", patient_page, name="patient-page"),
    path("sms/inbound/", sms_inbound, name="sms-inbound"),
    path("", include("outcomes.urls")),
    path("", include("ward.urls")),
]
