from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from procedures.api import views

router = DefaultRouter(trailing_slash=True)
router.register("staff", views.StaffViewSet, basename="staff")
router.register("wards", views.WardViewSet, basename="ward")
router.register("patients", views.PatientViewSet, basename="patient")
router.register("procedures", views.ProcedureViewSet, basename="procedure")
router.register("milestones", views.MilestoneViewSet, basename="milestone")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="api-logout"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script (tracker.headers).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
