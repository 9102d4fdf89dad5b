"""Load a demo ward with patients at every stage of recovery, relative to now.

Running it again changes nothing; `--reset` rebuilds the demo patients' timelines from the
current time (only patients whose MRN starts with DEMO- are touched). The demo patients have
phone numbers from a range set aside for fiction (+1 202 555 01xx), so the console channel of
`make run` prints the texts they would receive.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from procedures.models import EventKind, Patient, Procedure, ProtocolStep, Staff, Ward
from procedures.questionnaires import record_response
from procedures.recording import record_observations
from procedures.timeline import complete_milestone, record_event, schedule_procedure

DEMO_WARD = "Demo ward (spine unit)"
DEMO_PREFIX = "DEMO-"
# North America keeps 555-0100 to 555-0199 for fiction: no real phone answers them. (France's
# fiction range, 06 39 98, is not a valid mobile number to the phone-number library.)
DEMO_PHONE = "+1202555{:04d}"
DEMO_STAFF = [
    # username, password, role, first name
    ("nurse", "demo-nurse-pw", Staff.Role.NURSE, "Nora"),
    ("charge", "demo-charge-pw", Staff.Role.CHARGE_NURSE, "Camille"),
    ("doctor", "demo-doctor-pw", Staff.Role.DOCTOR, "Denis"),
    ("admin", "demo-admin-pw", Staff.Role.ADMIN, "Ada"),
]


@dataclass
class Stage:
    """A demo patient: which events happened how long ago, and which milestones were done."""

    mrn: str
    given_name: str
    family_name: str
    bed: str
    levels: list[str]
    kind: str
    events: dict[str, dt.timedelta]  # event kind -> how long ago
    done: tuple[str, ...] = ()


H, M, D = dt.timedelta(hours=1), dt.timedelta(minutes=1), dt.timedelta(days=1)
NORMAL_OBSERVATIONS = {
    "systolic_bp": 132,
    "diastolic_bp": 78,
    "pulse": 74,
    "spo2": 97,
    "temperature": Decimal("36.8"),
    "leg_strength": "normal",
    "leg_sensation": "normal",
    "puncture_site": "clean",
    "bladder": "normal",
    "pain": 3,
}
# The recovery check before the procedure, entered by the nurse on admission (version 2 of the protocol).
BEFORE_ANSWERS = {"pain_rest": 7, "pain_activity": 9, "analgesics": "every_day", "mobility": "indoors", "falls": False}
STAGES = [
    Stage("DEMO-001", "Louise", "Bernard", "1", ["L2"], "vertebroplasty", {}),
    Stage(
        "DEMO-002",
        "Paul",
        "Petit",
        "2",
        ["T12"],
        "vertebroplasty",
        {"started": 25 * M, "cement_injected": 4 * M},
        done=("prom_baseline",),
    ),
    Stage(
        "DEMO-003",
        "Marie",
        "Durand",
        "3",
        ["L1"],
        "kyphoplasty",
        {"started": 80 * M, "cement_injected": 55 * M, "ended": 45 * M},
        done=("prom_baseline", "cement_hardened", "obs_1"),
    ),
    Stage(
        "DEMO-004",
        "Jacques",
        "Moreau",
        "4",
        ["T11", "T12"],
        "vertebroplasty",
        {"started": 9 * H, "cement_injected": 8 * H + 30 * M, "ended": 8 * H + 15 * M},
        done=("prom_baseline", "cement_hardened", "obs_1", "obs_2", "obs_3", "obs_4", "obs_5", "obs_6"),
    ),
    Stage(
        "DEMO-005",
        "Suzanne",
        "Laurent",
        "5",
        ["L3"],
        "vertebroplasty",
        {"started": 12 * H + 40 * M, "cement_injected": 12 * H + 10 * M, "ended": 12 * H},
        done=("prom_baseline", "cement_hardened", "obs_1", "obs_2", "obs_3", "obs_4", "obs_5", "obs_6"),
    ),
    Stage(
        "DEMO-006",
        "Henri",
        "Simon",
        "6",
        ["L1"],
        "kyphoplasty",
        {"started": 25 * H, "cement_injected": 24 * H + 30 * M, "ended": 24 * H + 15 * M},
        done=("prom_baseline", "cement_hardened", "obs_1", "obs_2", "obs_3", "obs_4", "obs_5", "obs_6", "may_stand"),
    ),
    Stage(
        "DEMO-007",
        "Odette",
        "Michel",
        "",
        ["T8"],
        "vertebroplasty",
        {"started": 4 * D, "cement_injected": 4 * D - 20 * M, "ended": 4 * D - 30 * M, "discharged": 2 * D},
        done=(
            "prom_baseline",
            "cement_hardened",
            "obs_1",
            "obs_2",
            "obs_3",
            "obs_4",
            "obs_5",
            "obs_6",
            "may_stand",
            "xray_control",
            "discharge_check",
            "pain_checkin_day1",
        ),
    ),
]


def demo_phone(stage: Stage) -> str:
    return DEMO_PHONE.format(100 + int(stage.mrn.removeprefix(DEMO_PREFIX)))


class Command(BaseCommand):
    help = "Load a demo ward with patients at every stage of recovery (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Rebuild the demo patients relative to now.")

    @transaction.atomic
    def handle(self, *args, reset: bool, **options):
        ward, _ = Ward.objects.get_or_create(
            name=DEMO_WARD, defaults={"timezone": "Europe/Paris", "phone": "+33140000000"}
        )
        staff = {
            username: self.demo_staff(username, password, role, name, ward)
            for username, password, role, name in DEMO_STAFF
        }
        if reset:
            Procedure.objects.filter(patient__mrn__startswith=DEMO_PREFIX).delete()
        created = 0
        for stage in STAGES:
            patient = self.demo_patient(stage, ward)
            if not patient.procedures.exists():
                self.play(stage, patient, staff["nurse"])
                created += 1
        self.stdout.write(f"Demo ward “{ward.name}” ({ward.timezone}): {created} demo procedures created.")
        for username, password, role, _ in DEMO_STAFF:
            self.stdout.write(f"  log in as {username} / {password} ({Staff.Role(role).label})")

    def demo_staff(self, username, password, role, first_name, ward) -> Staff:
        member = Staff.objects.filter(username=username).first()
        if member is None:
            create = Staff.objects.create_superuser if role == Staff.Role.ADMIN else Staff.objects.create_user
            member = create(username, password=password, role=role, first_name=first_name)
            member.wards.add(ward)
        return member

    def demo_patient(self, stage: Stage, ward: Ward) -> Patient:
        patient, _ = Patient.objects.get_or_create(
            mrn=stage.mrn,
            defaults={
                "given_name": stage.given_name,
                "family_name": stage.family_name,
                "birth_date": dt.date(1930 + int(stage.mrn[-1]) * 3, 5, 1),
                "ward": ward,
                "bed": stage.bed,
                "language": Patient.Language.FRENCH,
                "phone": demo_phone(stage),
                # Patient 1 (not yet operated on) has not agreed to messages: nothing is sent to her.
                "messaging_consent": stage.mrn != "DEMO-001",
            },
        )
        if not patient.phone:  # a demo ward loaded before the demo patients had numbers
            patient.phone = demo_phone(stage)
            patient.save(update_fields=["phone"])
        return patient

    def play(self, stage: Stage, patient: Patient, nurse: Staff) -> None:
        now = timezone.now()
        first_event = max(stage.events.values(), default=-2 * H)
        procedure = schedule_procedure(
            patient=patient,
            kind=stage.kind,
            indication=Procedure.Indication.OSTEOPOROTIC_FRACTURE,
            levels=stage.levels,
            anaesthesia="general" if len(stage.levels) > 1 else "local",
            scheduled_at=now - first_event - 15 * M,
            by=nurse,
        )
        for kind in EventKind:
            if kind in stage.events:
                record_event(procedure=procedure, kind=kind, at=now - stage.events[kind], by=nurse, now=now)
        for milestone in procedure.milestones.filter(step__code__in=stage.done).select_related("step"):
            done_at = min(milestone.due_at + 3 * M, now)
            if milestone.step.records == ProtocolStep.Records.QUESTIONNAIRE:
                answered_at = milestone.due_at - 30 * M  # on admission, before the procedure
                record_response(
                    procedure=procedure,
                    questionnaire=milestone.step.questionnaire,
                    answers=BEFORE_ANSWERS,
                    authored_at=answered_at,
                    source="staff",
                    by=nurse,
                    milestone=milestone,
                    now=answered_at,
                )
            elif milestone.step.records == ProtocolStep.Records.OBSERVATIONS:
                record_observations(
                    procedure=procedure,
                    values=NORMAL_OBSERVATIONS,
                    recorded_at=done_at,
                    by=nurse,
                    milestone=milestone,
                    note="Demo",
                    now=done_at,
                )
            else:
                complete_milestone(milestone=milestone, by=nurse, note="Demo", now=done_at)
