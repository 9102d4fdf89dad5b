"""GET /api/notifications/ and POST /api/notifications/{id}/acknowledge/, under the API's conventions."""

from django.db.models import F, Prefetch
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.escalation import acknowledge, acknowledge_sent_reminder
from notifications.filters import AlertFilter, NotificationFilter
from notifications.models import Reminder
from notifications.patient_links import issue_link, revoke_links
from procedures.models import Patient
from tracker.api.access_log import log_access
from tracker.api.filters import ListFilters
from tracker.api.idempotency import idempotent
from tracker.api.lookups import NumericIds, object_or_404
from tracker.api.serializers import StrictSerializer


class NotificationSerializer(serializers.ModelSerializer):
    recipient = serializers.CharField(read_only=True)
    acknowledged_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Who acknowledged it; null until then."
    )

    class Meta:
        model = Reminder
        fields = [
            "id",
            "milestone",
            "recipient",
            "channel",
            "due_at",
            "status",
            "attempts",
            "sent_at",
            "acknowledged_at",
            "acknowledged_by",
            "kind",
            "urgent",
            "last_error",
        ]
        read_only_fields = fields


class AcknowledgeInput(StrictSerializer):
    pass


def log_listed(request, what: str, response, object_id="") -> None:
    """Access-log the patients whose reminders or alerts this answer shows (one row per patient)."""
    rows = response.data.get("results", [response.data])
    shown = Reminder.objects.filter(pk__in=[row["id"] for row in rows])
    patients = shown.values_list("procedure__patient_id", flat=True)
    log_access(request, action="read", what=what, patients=sorted(set(patients)), object_id=object_id)


class NotificationViewSet(
    NumericIds, ListFilters, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        reminders = Reminder.objects.visible_to(self.request.user).select_related("acknowledged_by")
        return reminders.order_by("due_at", "id")

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        log_listed(request, "notifications", response)
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        log_listed(request, "notification", response, object_id=response.data["id"])
        return response

    @extend_schema(request=AcknowledgeInput, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def acknowledge(self, request, pk=None):
        reminder = self.get_object()
        AcknowledgeInput(data=request.data).is_valid(raise_exception=True)
        # A refusal is a Django ValidationError: the API's exception handler makes it a 400.
        acknowledged = acknowledge_sent_reminder(reminder=reminder, by=request.user, now=timezone.now())
        log_access(
            request, action="update", what="notification", patients=[reminder.procedure.patient_id], object_id=pk
        )
        return Response(NotificationSerializer(acknowledged).data)


class EscalationStepSerializer(serializers.ModelSerializer):
    recipient = serializers.CharField(read_only=True)

    class Meta:
        model = Reminder
        fields = ["escalation_level", "recipient", "channel", "due_at", "status", "sent_at"]
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer):
    procedure = serializers.IntegerField(source="procedure_id", read_only=True)
    kind = serializers.CharField(source="red_flag", read_only=True)
    raised_at = serializers.DateTimeField(source="due_at", read_only=True)
    status = serializers.SerializerMethodField()
    acknowledged_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Who acknowledged it; null until then."
    )
    escalations = EscalationStepSerializer(many=True, read_only=True)

    class Meta:
        model = Reminder
        fields = [
            "id",
            "procedure",
            "kind",
            "summary",
            "urgent",
            "raised_at",
            "status",
            "acknowledged_at",
            "acknowledged_by",
            "escalations",
        ]
        read_only_fields = fields

    def get_status(self, alert: Reminder) -> str:
        return "acknowledged" if alert.acknowledged_at else "open"


class AlertViewSet(NumericIds, ListFilters, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Red-flag alerts: open ones first, each with the escalation steps taken so far."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilter

    def get_queryset(self):
        return (
            Reminder.objects.visible_to(self.request.user)
            .for_people()
            .filter(kind=Reminder.Kind.ALERT)
            .select_related("acknowledged_by")
            .prefetch_related(Prefetch("escalations", Reminder.objects.order_by("escalation_level", "id")))
            .order_by(F("acknowledged_at").desc(nulls_first=True), "-due_at", "id")
        )

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        log_listed(request, "alerts", response)
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        log_listed(request, "alert", response, object_id=response.data["id"])
        return response

    @extend_schema(request=AcknowledgeInput, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def acknowledge(self, request, pk=None):
        alert = self.get_object()
        AcknowledgeInput(data=request.data).is_valid(raise_exception=True)
        acknowledge(reminder=alert, by=request.user, now=timezone.now())
        log_access(request, action="update", what="alert", patients=[alert.procedure.patient_id], object_id=pk)
        return Response(AlertSerializer(self.get_queryset().get(pk=alert.pk)).data)


class PatientLinkSerializer(serializers.Serializer):
    url = serializers.URLField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)


@extend_schema(parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The patient's id.")])
class PatientLinkView(APIView):
    """POST: a new link to the patient's own page (earlier ones stay valid until they expire).
    DELETE: every link of hers stops opening."""

    def patient(self, request, pk: str) -> Patient:
        return object_or_404(Patient.objects.visible_to(request.user), pk)

    @extend_schema(request=AcknowledgeInput, responses={201: PatientLinkSerializer})
    @idempotent
    def post(self, request, pk: str):
        patient = self.patient(request, pk)
        AcknowledgeInput(data=request.data).is_valid(raise_exception=True)  # no field is taken
        url, expires_at = issue_link(patient)
        log_access(request, action="create", what="patient link", patients=[patient], object_id=patient.pk)
        body = PatientLinkSerializer({"url": url, "expires_at": expires_at}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: str):
        patient = self.patient(request, pk)
        revoke_links(patient)
        log_access(request, action="delete", what="patient links", patients=[patient], object_id=patient.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
