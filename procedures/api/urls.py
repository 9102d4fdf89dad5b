from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from procedures.api import questionnaires, views
from procedures.api.docs import api_docs

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
    path("docs/", api_docs, name="api-docs"),
    path("questionnaires/", questionnaires.QuestionnaireList.as_view(), name="questionnaire-list"),
    path("", include(router.urls)),
]
