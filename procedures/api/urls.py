from django.urls import include, path
from rest_framework.routers import DefaultRouter

from procedures.api import questionnaires, views

router = DefaultRouter(trailing_slash=True)
router.register("staff", views.StaffViewSet, basename="staff")
router.register("wards", views.WardViewSet, basename="ward")
router.register("patients", views.PatientViewSet, basename="patient")
router.register("procedures", views.ProcedureViewSet, basename="procedure")
router.register("milestones", views.MilestoneViewSet, basename="milestone")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="api-logout"),
    path("questionnaires/", questionnaires.QuestionnaireList.as_view(), name="questionnaire-list"),
    path("", include(router.urls)),
]
