"""Input and output shapes of the API. Shapes only: the rules live in the models and procedures.timeline."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from procedures.levels import LEVELS
from procedures.models import (
    Complication,
    Event,
    EventKind,
    Milestone,
    ObservationCheck,
    PainScore,
    Patient,
    Procedure,
    Protocol,
    Staff,
    Ward,
)
from procedures.phones import WRITTEN_MAX_LENGTH, to_e164
from procedures.plain_text import one_line
from procedures.times import clinical_time, scheduled_time
from tracker.api.fields import ClockTimeField, RelatedId, StrictDateTimeField
from tracker.api.serializers import RefuseUnknownFields, StrictSerializer


class WardSerializer(serializers.ModelSerializer):
    # Non-urgent patient messages due between these local times wait for the end of them.
    quiet_hours_start = ClockTimeField(required=False)
    quiet_hours_end = ClockTimeField(required=False)

    class Meta:
        model = Ward
        fields = ["id", "name", "timezone", "quiet_hours_start", "quiet_hours_end", "language"]


class StaffSerializer(RefuseUnknownFields, serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, required=False, min_length=10, style={"input_type": "password"})
    wards = RelatedId(many=True, queryset=Ward.objects.all(), required=False)

    class Meta:
        model = Staff
        fields = ["id", "username", "password", "role", "wards", "phone", "email"]
        extra_kwargs = {"phone": {"max_length": WRITTEN_MAX_LENGTH}}  # as written; stored in E.164

    def validate_phone(self, value: str) -> str:
        return to_e164(value) if value else ""

    def validate_username(self, value: str) -> str:
        # "Alice" and "alice" would be two accounts that people (and the audit log's readers) take for one.
        others = Staff.objects.filter(username__iexact=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError("A staff member with this username already exists.")
        return value

    def validate(self, attrs: dict) -> dict:
        """The password passes AUTH_PASSWORD_VALIDATORS, judged against this member's other fields."""
        if password := attrs.get("password"):
            member = self.instance or Staff()
            fields = {name: value for name, value in attrs.items() if name not in ("password", "wards")}
            probe = Staff(**({f.name: getattr(member, f.name) for f in Staff._meta.concrete_fields} | fields))
            try:
                password_validation.validate_password(password, probe)
            except DjangoValidationError as error:
                raise serializers.ValidationError({"password": list(error.messages)}) from error
        return attrs


class PatientSerializer(RefuseUnknownFields, serializers.ModelSerializer):
    serializer_related_field = RelatedId  # her ward

    class Meta:
        model = Patient
        fields = [
            "id",
            "mrn",
            "given_name",
            "family_name",
            "birth_date",
            "ward",
            "bed",
            "phone",
            "email",
            "language",
            "messaging_consent",
        ]
        # No uniqueness check here: the view refuses a taken MRN only once everything else is valid
        # (PatientViewSet.saved), so that a probe that saves nothing learns nothing about other wards.
        extra_kwargs = {"mrn": {"validators": [one_line]}, "phone": {"max_length": WRITTEN_MAX_LENGTH}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # A nurse can only put a patient on one of her own wards.
            self.fields["ward"].queryset = Ward.objects.visible_to(request.user)

    def validate_phone(self, value: str) -> str:
        return to_e164(value) if value else ""


class ProtocolRefSerializer(serializers.Serializer):
    code = serializers.SlugField()
    version = serializers.IntegerField(min_value=1)


class ProcedureSerializer(serializers.ModelSerializer):
    protocol = ProtocolRefSerializer(read_only=True)
    levels = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Procedure
        fields = [
            "id",
            "patient",
            "kind",
            "indication",
            "levels",
            "anaesthesia",
            "scheduled_at",
            "operator",
            "protocol",
            "cement_volume_ml",
            "status",
        ]
        read_only_fields = fields


class ProcedureInput(StrictSerializer):
    patient = RelatedId(queryset=Patient.objects.none())
    kind = serializers.ChoiceField(choices=Procedure.Kind.choices)
    indication = serializers.ChoiceField(choices=Procedure.Indication.choices)
    levels = serializers.ListField(child=serializers.ChoiceField(choices=LEVELS), allow_empty=True)
    anaesthesia = serializers.ChoiceField(choices=Procedure.Anaesthesia.choices)
    scheduled_at = StrictDateTimeField(check=scheduled_time)
    operator = RelatedId(queryset=Staff.objects.filter(is_active=True), required=False, allow_null=True)
    protocol = ProtocolRefSerializer(required=False)
    cement_volume_ml = serializers.DictField(child=serializers.FloatField(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if request := self.context.get("request"):
            self.fields["patient"].queryset = Patient.objects.visible_to(request.user)

    def validate_protocol(self, value: dict) -> Protocol:
        found = Protocol.objects.published().filter(code=value["code"], version=value["version"]).first()
        if found is None:
            raise serializers.ValidationError(f"No published protocol {value['code']} version {value['version']}.")
        return found


class EventSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Event
        fields = ["kind", "at", "recorded_by"]


class EventInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=EventKind.choices)
    at = StrictDateTimeField(check=clinical_time)


class MilestoneSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="step.code")
    label = serializers.CharField(source="step.translated_label")
    audience = serializers.CharField(source="step.audience")
    status = serializers.SerializerMethodField()
    completed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Who completed it; null while open."
    )

    class Meta:
        model = Milestone
        fields = [
            "id",
            "code",
            "label",
            "audience",
            "window_opens_at",
            "due_at",
            "status",
            "completed_at",
            "completed_by",
            "note",
        ]

    def get_status(self, milestone: Milestone) -> str:
        return milestone.status_at(self.context["now"])


class TimelineSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    milestones = MilestoneSerializer(many=True)


class CompleteInput(StrictSerializer):
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")
    expires_at = serializers.DateTimeField(help_text="After this, log in again (API_TOKEN_HOURS after this log-in).")


class TokenInput(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class PainScoreSerializer(serializers.ModelSerializer):
    # Null for the patient's own scores (her SMS replies) and baselines from the record.
    recorded_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Who recorded it; null for the patient's own."
    )

    class Meta:
        model = PainScore
        fields = ["id", "score", "recorded_at", "source", "recorded_by"]


class PainScoreInput(StrictSerializer):
    score = serializers.IntegerField()  # the range is the model's rule, reported on `score`
    recorded_at = StrictDateTimeField(check=clinical_time)
    source = serializers.ChoiceField(choices=[PainScore.Source.BASELINE, PainScore.Source.STAFF])


OBSERVATION_FIELDS = [
    "systolic_bp",
    "diastolic_bp",
    "pulse",
    "spo2",
    "temperature",
    "leg_strength",
    "leg_sensation",
    "puncture_site",
    "bladder",
]


class ObservationSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    pain = serializers.IntegerField(source="pain.score", read_only=True, allow_null=True)

    class Meta:
        model = ObservationCheck
        fields = ["id", "recorded_at", "recorded_by", "milestone", *OBSERVATION_FIELDS, "pain"]


class ObservationInput(StrictSerializer):
    recorded_at = StrictDateTimeField(check=clinical_time)
    milestone = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    systolic_bp = serializers.IntegerField()
    diastolic_bp = serializers.IntegerField()
    pulse = serializers.IntegerField()
    spo2 = serializers.IntegerField()
    temperature = serializers.DecimalField(max_digits=4, decimal_places=1)
    leg_strength = serializers.ChoiceField(choices=ObservationCheck.Neuro.choices)
    leg_sensation = serializers.ChoiceField(choices=ObservationCheck.Neuro.choices)
    puncture_site = serializers.ChoiceField(choices=ObservationCheck.PunctureSite.choices)
    bladder = serializers.ChoiceField(choices=ObservationCheck.Bladder.choices, required=False, default="normal")
    pain = serializers.IntegerField(required=False, allow_null=True)


class ComplicationSerializer(serializers.ModelSerializer):
    reported_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Complication
        fields = ["id", "kind", "severity", "noted_at", "description", "actions_taken", "reported_by"]


class ComplicationInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=Complication.Kind.choices)
    severity = serializers.ChoiceField(choices=Complication.Severity.choices)
    noted_at = StrictDateTimeField(check=clinical_time)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    actions_taken = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
