"""The API's views: fetch within the user's wards, call the domain, log the access, answer."""

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from procedures.api import questionnaires
from procedures.api.filters import PatientFilter, ProcedureFilter
from procedures.api.serializers import (
    CompleteInput,
    ComplicationInput,
    ComplicationSerializer,
    EventInput,
    EventSerializer,
    MilestoneSerializer,
    ObservationInput,
    ObservationSerializer,
    PainScoreInput,
    PainScoreSerializer,
    PatientSerializer,
    ProcedureInput,
    ProcedureSerializer,
    StaffSerializer,
    TimelineSerializer,
    TokenInput,
    TokenOutput,
    WardSerializer,
)
from procedures.models import ApiToken, Event, Milestone, Patient, Procedure, QuestionnaireResponse, Staff, Ward
from procedures.questionnaires import record_response
from procedures.recording import record_observations, record_pain_score, report_complication
from procedures.timeline import complete_milestone, record_event, schedule_procedure
from tracker.api.access_log import log_access
from tracker.api.filters import ListFilters
from tracker.api.idempotency import idempotent
from tracker.api.lookups import NumericIds
from tracker.api.permissions import SeesAllWards
from tracker.login import LoginThrottle

# The same words whether the patient is on one of your wards or another's: refusing the duplicate
# must say that the MRN is taken, and nothing else (not whose, not where).
MRN_TAKEN = "This MRN is already registered. Search your wards for the patient, or ask an administrator."


class TokenView(APIView):
    """Exchange a username and password for a new API token. Repeated failures lock the account."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = [LoginThrottle]
    throttle_scope = "login"

    @extend_schema(request=TokenInput, responses={200: TokenOutput})
    def post(self, request):
        given = TokenInput(data=request.data)
        given.is_valid(raise_exception=True)
        user = authenticate(request._request, **given.validated_data)
        if getattr(request._request, "axes_locked_out", False):
            return Response(
                {"detail": "Too many failed attempts: this account is locked for a while."},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None:
            raise ValidationError({"non_field_errors": ["Unable to log in with these credentials."]})
        now = timezone.now()
        ApiToken.objects.filter(user=user).expired(now).delete()
        token, key = ApiToken.objects.issue(user=user, now=now)
        return Response({"token": key, "expires_at": token.expires_at})


class LogoutView(APIView):
    """Revoke the token this request carries (with `?all=true`, every token of the user)."""

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("all", bool, description="Revoke every token of the user.")],
        responses={204: None},
    )
    def post(self, request):
        if request.query_params.get("all", "").strip().lower() in ("1", "true", "yes"):
            ApiToken.objects.filter(user=request.user).delete()
        elif isinstance(request.auth, ApiToken):
            request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class StaffViewSet(NumericIds, viewsets.ModelViewSet):
    serializer_class = StaffSerializer
    permission_classes = [permissions.IsAuthenticated, SeesAllWards]
    queryset = Staff.objects.prefetch_related("wards").order_by("username")
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    @transaction.atomic
    def perform_create(self, serializer):
        password = serializer.validated_data.pop("password", None)
        wards = serializer.validated_data.pop("wards", [])
        member = Staff.objects.create_user(password=password, **serializer.validated_data)
        member.wards.set(wards)
        serializer.instance = member

    @transaction.atomic
    def perform_update(self, serializer):
        password = serializer.validated_data.pop("password", None)
        member = serializer.save()
        if password:
            member.set_password(password)
            member.save(update_fields=["password"])
        if password or not member.is_active:
            # A new password or a closed account ends every API token (they would fail anyway).
            ApiToken.objects.filter(user=member).delete()


class WardViewSet(NumericIds, viewsets.ModelViewSet):
    serializer_class = WardSerializer
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def get_queryset(self):
        return Ward.objects.visible_to(self.request.user)

    def get_permissions(self):
        if self.request.method in permissions.SAFE_METHODS:
            return [permissions.IsAuthenticated()]
        return [permissions.IsAuthenticated(), SeesAllWards()]


class PatientViewSet(NumericIds, ListFilters, viewsets.ModelViewSet):
    serializer_class = PatientSerializer
    http_method_names = ["get", "post", "patch", "put", "head", "options"]
    filterset_class = PatientFilter

    def get_queryset(self):
        return Patient.objects.visible_to(self.request.user).order_by("family_name", "given_name", "id")

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        log_access(request, action="read", what="patient", patients=[p["id"] for p in response.data["results"]])
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        log_access(
            request, action="read", what="patient", patients=[response.data["id"]], object_id=response.data["id"]
        )
        return response

    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        patient = self.saved(serializer)
        log_access(self.request, action="create", what="patient", patients=[patient], object_id=patient.pk)

    @transaction.atomic  # a new ward moves her open alerts and reminders with her, in this transaction
    def perform_update(self, serializer):
        patient = self.saved(serializer)
        log_access(self.request, action="update", what="patient", patients=[patient], object_id=patient.pk)

    @staticmethod
    def saved(serializer) -> Patient:
        """Save; an MRN already taken, on any ward, gets one answer that says nothing more (README, Privacy)."""
        try:
            with transaction.atomic():
                return serializer.save()
        except IntegrityError as error:
            if Patient.objects.filter(mrn=serializer.validated_data.get("mrn")).exists():
                raise ValidationError({"mrn": [MRN_TAKEN]}) from error
            raise


def procedures_for(user):
    return Procedure.objects.visible_to(user).select_related("protocol", "patient")


class ProcedureViewSet(
    NumericIds, ListFilters, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = ProcedureSerializer
    filterset_class = ProcedureFilter

    def get_queryset(self):
        return procedures_for(self.request.user).order_by("-scheduled_at", "id")

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        log_access(request, action="read", what="procedure", patients=[p["patient"] for p in response.data["results"]])
        return response

    def retrieve(self, request, *args, **kwargs):
        procedure = self.get_object()
        log_access(request, action="read", what="procedure", patients=[procedure.patient_id], object_id=procedure.pk)
        return Response(ProcedureSerializer(procedure).data)

    @extend_schema(request=ProcedureInput, responses={201: ProcedureSerializer})
    @idempotent
    def create(self, request):
        given = ProcedureInput(data=request.data, context={"request": request})
        given.is_valid(raise_exception=True)
        procedure = schedule_procedure(by=request.user, **given.validated_data)
        log_access(request, action="create", what="procedure", patients=[procedure.patient_id], object_id=procedure.pk)
        return Response(ProcedureSerializer(procedure).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EventInput, responses={200: EventSerializer(many=True), 201: EventSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def events(self, request, pk=None):
        procedure = self.get_object()
        if request.method == "GET":
            log_access(request, action="read", what="events", patients=[procedure.patient_id], object_id=procedure.pk)
            return Response(EventSerializer(procedure.events.select_related("recorded_by"), many=True).data)
        return self.record(request, procedure)

    @idempotent
    def record(self, request, procedure):
        given = EventInput(data=request.data)
        given.is_valid(raise_exception=True)
        event = record_event(procedure=procedure, by=request.user, **given.validated_data)
        log_access(request, action="create", what="event", patients=[procedure.patient_id], object_id=event.pk)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=TimelineSerializer)
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        procedure = get_object_or_404(
            procedures_for(request.user).prefetch_related(
                Prefetch("events", Event.objects.select_related("recorded_by")),
                Prefetch("milestones", Milestone.objects.select_related("step", "completed_by").order_by("due_at")),
            ),
            pk=pk,
        )
        log_access(request, action="read", what="timeline", patients=[procedure.patient_id], object_id=procedure.pk)
        timeline = {"events": procedure.events.all(), "milestones": procedure.milestones.all()}
        return Response(TimelineSerializer(timeline, context={"now": timezone.now()}).data)

    @extend_schema(request=PainScoreInput, responses={200: PainScoreSerializer(many=True), 201: PainScoreSerializer})
    @action(detail=True, methods=["get", "post"], url_path="pain-scores", pagination_class=None)
    def pain_scores(self, request, pk=None):
        procedure = self.get_object()
        if request.method == "GET":
            log_access(request, action="read", what="pain scores", patients=[procedure.patient_id], object_id=pk)
            scores = procedure.pain_scores.select_related("recorded_by")
            return Response(PainScoreSerializer(scores, many=True).data)
        return self.record_clinical(request, procedure, PainScoreInput, record_pain_score, PainScoreSerializer)

    @extend_schema(
        request=ObservationInput, responses={200: ObservationSerializer(many=True), 201: ObservationSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def observations(self, request, pk=None):
        procedure = self.get_object()
        if request.method == "GET":
            log_access(request, action="read", what="observations", patients=[procedure.patient_id], object_id=pk)
            checks = procedure.observations.select_related("recorded_by", "pain")
            return Response(ObservationSerializer(checks, many=True).data)
        return self.record_clinical(request, procedure, ObservationInput, observe, ObservationSerializer)

    @extend_schema(
        request=ComplicationInput, responses={200: ComplicationSerializer(many=True), 201: ComplicationSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def complications(self, request, pk=None):
        procedure = self.get_object()
        if request.method == "GET":
            log_access(request, action="read", what="complications", patients=[procedure.patient_id], object_id=pk)
            return Response(
                ComplicationSerializer(procedure.complications.select_related("reported_by"), many=True).data
            )
        return self.record_clinical(request, procedure, ComplicationInput, report_complication, ComplicationSerializer)

    @extend_schema(
        request=questionnaires.ResponseInput,
        responses={200: questionnaires.ResponseSerializer(many=True), 201: questionnaires.ResponseSerializer},
    )
    @action(detail=True, methods=["get", "post"], url_path="questionnaire-responses")
    def questionnaire_responses(self, request, pk=None):
        procedure = self.get_object()
        if request.method == "GET":
            log_access(
                request, action="read", what="questionnaire responses", patients=[procedure.patient_id], object_id=pk
            )
            responses = procedure.responses.select_related("questionnaire")
            return Response(questionnaires.ResponseSerializer(responses, many=True).data)
        return self.enter_response(request, procedure)

    @idempotent
    def enter_response(self, request, procedure):
        given = questionnaires.ResponseInput(data=request.data)
        given.is_valid(raise_exception=True)
        milestone = given.validated_data.pop("milestone", None)
        if milestone is not None:
            milestone = procedure.milestones.select_related("step").filter(pk=milestone).first()
            if milestone is None:
                raise ValidationError({"milestone": ["No such milestone on this procedure."]})
        response = record_response(
            procedure=procedure,
            by=request.user,
            source=QuestionnaireResponse.Source.STAFF,
            milestone=milestone,
            **given.validated_data,
        )
        log_access(
            request,
            action="create",
            what="questionnaire response",
            patients=[procedure.patient_id],
            object_id=response.pk,
        )
        return Response(questionnaires.ResponseSerializer(response).data, status=status.HTTP_201_CREATED)

    @idempotent
    def record_clinical(self, request, procedure, input_class, function, output_class):
        given = input_class(data=request.data)
        given.is_valid(raise_exception=True)
        row = function(procedure=procedure, by=request.user, **given.validated_data)
        log_access(
            request,
            action="create",
            what=output_class.Meta.model._meta.verbose_name,
            patients=[procedure.patient_id],
            object_id=row.pk,
        )
        return Response(output_class(row).data, status=status.HTTP_201_CREATED)


def observe(*, procedure, by, recorded_at, milestone=None, note="", **values):
    """record_observations, with the milestone given by id (one of this procedure's, or refused)."""
    if milestone is not None:
        found = procedure.milestones.select_related("step").filter(pk=milestone).first()
        if found is None:
            raise DjangoValidationError({"milestone": "No such milestone on this procedure."})
        milestone = found
    return record_observations(
        procedure=procedure, values=values, recorded_at=recorded_at, by=by, milestone=milestone, note=note
    )


class MilestoneViewSet(NumericIds, viewsets.GenericViewSet):
    serializer_class = MilestoneSerializer

    def get_queryset(self):
        return Milestone.objects.filter(procedure__in=Procedure.objects.visible_to(self.request.user)).select_related(
            "step", "completed_by", "procedure"
        )

    @extend_schema(request=CompleteInput, responses=MilestoneSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def complete(self, request, pk=None):
        milestone = self.get_object()
        given = CompleteInput(data=request.data)
        given.is_valid(raise_exception=True)
        done = complete_milestone(milestone=milestone, by=request.user, note=given.validated_data["note"])
        log_access(request, action="update", what="milestone", patients=[milestone.procedure.patient_id], object_id=pk)
        done = self.get_queryset().get(pk=done.pk)
        return Response(MilestoneSerializer(done, context={"now": timezone.now()}).data)
