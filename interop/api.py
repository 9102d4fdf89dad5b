"""FHIR endpoints, under the API's authentication and ward rules."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from interop.code_systems import code_system
from interop.export import BUNDLE_TYPES, booked_procedure, bundle_for
from interop.extensions import EXTENSIONS, structure_definition
from interop.importing import Invalid, book, operation_outcome
from interop.protocol import plan_definition
from interop.questionnaires import load_questionnaire, questionnaire_resource
from procedures.models import Procedure, Protocol, Questionnaire, Ward
from tracker.api.access_log import log_access
from tracker.api.filters import WholeNumberField, query_parameter
from tracker.api.idempotency import idempotent
from tracker.api.lookups import object_or_404
from tracker.api.parsers import SafeJSONParser
from tracker.api.permissions import SeesAllWards

FHIR_JSON = "application/fhir+json"
RESOURCE = OpenApiTypes.OBJECT


class FhirJSONParser(SafeJSONParser):
    media_type = FHIR_JSON


class FhirJSONRenderer(JSONRenderer):
    media_type = FHIR_JSON
    format = "fhir"


# The OperationOutcome issue type for each HTTP error DRF may answer with.
ISSUE_CODES = {
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    415: "not-supported",
    422: "processing",
    429: "throttled",
}


class FhirView(APIView):
    """FHIR content types in and out; every error answered as an OperationOutcome."""

    parser_classes = [FhirJSONParser, SafeJSONParser]
    renderer_classes = [FhirJSONRenderer, JSONRenderer]  # a client asking for application/json gets it too

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400 and not is_operation_outcome(response.data):
            response.data = as_operation_outcome(response.data, response.status_code)
        return super().finalize_response(request, response, *args, **kwargs)


def is_operation_outcome(data) -> bool:
    return isinstance(data, dict) and data.get("resourceType") == "OperationOutcome"


def as_operation_outcome(detail, status_code: int) -> dict:
    """DRF's error body ({"detail": …} or {"field": [messages]}) as an OperationOutcome."""
    code = ISSUE_CODES.get(status_code, "invalid" if status_code < 500 else "exception")
    if isinstance(detail, dict) and set(detail) != {"detail"}:
        issues = [(field, " ".join(map(str, m)) if isinstance(m, list) else str(m)) for field, m in detail.items()]
    elif isinstance(detail, dict):
        issues = [(None, str(detail["detail"]))]
    else:
        issues = [(None, " ".join(map(str, detail)) if isinstance(detail, list) else str(detail))]
    return operation_outcome(issues, code)


def fhir(data: dict, status_code: int = 200, **headers) -> Response:
    return Response(data, status=status_code, headers=headers or None)


class ProcedureBundleView(FhirView):
    @extend_schema(
        responses={200: RESOURCE, 400: RESOURCE},
        parameters=[
            OpenApiParameter(
                "type",
                str,
                enum=BUNDLE_TYPES,
                description="collection (the default), or transaction: the same resources "
                "with a request on each entry, to store in one call.",
            )
        ],
    )
    def get(self, request, pk: str):
        kind = request.query_params.get("type", "collection")
        if kind not in BUNDLE_TYPES:
            raise ValidationError({"type": [f"Ask for one of: {', '.join(BUNDLE_TYPES)}."]})
        procedure = object_or_404(Procedure.objects.visible_to(request.user), pk, "No such procedure.")
        log_access(request, action="read", what="fhir bundle", patients=[procedure.patient_id], object_id=pk)
        return fhir(bundle_for(procedure, now=timezone.now(), kind=kind))


class PlanDefinitionView(FhirView):
    @extend_schema(responses={200: RESOURCE})
    def get(self, request, code: str, version: str):
        if "\x00" in code or not (version.isascii() and version.isdigit()):  # PostgreSQL refuses NUL
            raise NotFound("No such protocol version.")
        return fhir(plan_definition(get_object_or_404(Protocol, code=code, version=int(version))))


class StructureDefinitionView(FhirView):
    """An extension's definition at its canonical URL. Served without authentication, as HL7 serves
    FHIR's own: it holds no patient data, only what the extension means."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: RESOURCE}, auth=[])
    def get(self, request, name: str):
        if name not in EXTENSIONS:
            raise NotFound("No such extension.")
        return fhir(structure_definition(EXTENSIONS[name]))


class CodeSystemView(FhirView):
    """A local code system at its URL; like the extension definitions, only codes and no patient data."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: RESOURCE}, auth=[])
    def get(self, request, name: str):
        return fhir(code_system(name))


class BookingView(FhirView):
    """POST a Procedure or an order for one (ServiceRequest) with a contained Patient, or a Bundle of Patient +
    Procedure or ServiceRequest (?ward=<id> for a new patient). The reply is the booked Procedure."""

    @extend_schema(
        request=RESOURCE,
        responses={200: RESOURCE, 201: RESOURCE, 400: RESOURCE},
        parameters=[OpenApiParameter("ward", int, description="The ward of a patient new to the tracker.")],
    )
    @idempotent
    def post(self, request, **kwargs):
        ward_id = query_parameter(request, "ward", WholeNumberField(required=False))
        ward = Ward.objects.visible_to(request.user).filter(pk=ward_id).first() if ward_id else None
        if ward_id and ward is None:
            raise ValidationError({"ward": ["No such ward among yours."]})
        try:
            booking = book(request.data, ward=ward, by=request.user)
        except Invalid as invalid:
            return fhir(operation_outcome(invalid.issues, invalid.code), status.HTTP_400_BAD_REQUEST)
        procedure = booking.procedure
        log_access(
            request,
            action="create" if booking.created else "update",
            what="fhir booking",
            patients=[procedure.patient_id],
            object_id=procedure.pk,
        )
        return fhir(
            booked_procedure(procedure),
            status.HTTP_201_CREATED if booking.created else status.HTTP_200_OK,
            Location=f"/api/procedures/{procedure.pk}/",
        )


class QuestionnaireLoadView(FhirView):
    """POST a FHIR Questionnaire (administrators): a site loads an instrument it holds a licence for."""

    permission_classes = [IsAuthenticated, SeesAllWards]

    @extend_schema(request=RESOURCE, responses={200: RESOURCE, 201: RESOURCE, 400: RESOURCE, 409: RESOURCE})
    def post(self, request):
        try:
            questionnaire, created = load_questionnaire(request.data)
        except Invalid as invalid:
            code = status.HTTP_409_CONFLICT if invalid.code == "conflict" else status.HTTP_400_BAD_REQUEST
            return fhir(operation_outcome(invalid.issues, invalid.code), code)
        location = f"/api/fhir/Questionnaire/{questionnaire.code}?version={questionnaire.version}"
        return fhir(
            questionnaire_resource(questionnaire),
            status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            Location=location,
        )


class QuestionnaireExportView(FhirView):
    """GET any questionnaire as FHIR: the newest published version, or ?version=N."""

    @extend_schema(responses={200: RESOURCE}, parameters=[OpenApiParameter("version", int)])
    def get(self, request, code: str):
        if "\x00" in code:  # PostgreSQL refuses NUL
            raise NotFound("No such questionnaire.")
        versions = Questionnaire.objects.filter(code=code)
        version = request.query_params.get("version")
        if version is None:
            found = versions.published().order_by("-version").first()
        elif version.isascii() and version.isdigit() and int(version) < 2**31:
            found = versions.filter(version=int(version)).first()
        else:
            raise ValidationError({"version": ["Give a whole number."]})
        if found is None:
            raise NotFound("No such questionnaire.")
        return fhir(questionnaire_resource(found))
