from django.urls import re_path
from rest_framework.routers import DefaultRouter

from notifications.api import AlertViewSet, NotificationViewSet, PatientLinkView

router = DefaultRouter(trailing_slash=True)
router.register("notifications", NotificationViewSet, basename="notification")
router.register("alerts", AlertViewSet, basename="alert")

urlpatterns = [
    re_path(r"^patients/(?P<pk>[^/.]+)/link/$", PatientLinkView.as_view(), name="patient-link"),
    *router.urls,
]
