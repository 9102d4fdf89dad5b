from django.urls import path

from interop import api

urlpatterns = [
    path("procedures/<str:pk>/fhir/", api.ProcedureBundleView.as_view(), name="fhir-procedure-bundle"),
    path("protocols/<str:code>/<str:version>/fhir/", api.PlanDefinitionView.as_view(), name="fhir-plan-definition"),
    path("fhir/Procedure", api.BookingView.as_view(), name="fhir-book-procedure"),
    path("fhir/ServiceRequest", api.BookingView.as_view(), name="fhir-book-service-request"),
    path("fhir/Bundle", api.BookingView.as_view(), name="fhir-book-bundle"),
    path("fhir/Questionnaire", api.QuestionnaireLoadView.as_view(), name="fhir-load-questionnaire"),
    path("fhir/Questionnaire/<str:code>", api.QuestionnaireExportView.as_view(), name="fhir-questionnaire"),
    path("fhir/", api.BookingView.as_view(), name="fhir-book"),
]
