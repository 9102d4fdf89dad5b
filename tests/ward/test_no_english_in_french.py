"""A French nurse reads no English on the ward pages: the board, the patient page, recording an event
and completing a milestone, on a ward with open red flags (their texts are data, stored in every
language), whatever the words other pages add later."""

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from notifications.models import Reminder
from procedures.models import Patient
from procedures.recording import record_observations
from procedures.timeline import record_event, schedule_procedure
from tests.ward.conftest import MIN, NOW
from tests.ward.test_french import choose_french

# Words a nurse would read on these pages if a string escaped translation. Whole words, any case.
ENGLISH = [
    "May stand", "Due", "Overdue", "Acknowledge", "Acknowledged", "Observations", "Record", "Recorded", "Complete",
    "Completed", "Pending", "Planned", "Upcoming", "Cement", "hardened", "Pain", "baseline", "Bed", "Discharged",
    "Discharge", "ago", "in", "hours", "Save", "Cancel", "Back", "Legs", "Leg strength", "Bladder", "Puncture",
    "Red flag", "RED FLAG", "Vital signs", "out of range", "Ward inbox", "Board", "Procedure", "Control X-ray",
    "X-ray", "check-in", "Review", "months", "today", "yesterday", "tomorrow", "now", "Now", "Sign out", "Log out",
    "Not updated", "since", "Nothing", "Undo", "the", "and", "of", "to", "for", "with",
]  # fmt: skip
FORBIDDEN = re.compile(r"\b(" + "|".join(re.escape(word) for word in ENGLISH) + r")\b", re.IGNORECASE)
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}


class ReadableText(HTMLParser):
    """What a nurse reads or hears: text, titles, labels, button values; not scripts, styles, or
    what is marked as another language (the "English" switch)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style") or attrs.get("lang", "fr") != "fr":
            self.skipping.append(tag)
        elif not self.skipping:
            read = READ_ATTRIBUTES | (
                {"value"} if tag == "input" and attrs.get("type") in ("submit", "button") else set()
            )
            self.texts += [value for name, value in attrs.items() if name in read and value]

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts.append(data.strip())


def english_on(page: str) -> list[str]:
    reader = ReadableText()
    reader.feed(page)
    return [text for text in reader.texts if FORBIDDEN.search(text)]


@pytest.fixture
def red_flagged(ward_a, nurse_a):
    """A patient on a French-named ward, back from her procedure, with two fresh red flags."""
    ward_a.name, ward_a.language = "Rachis", "fr"
    ward_a.save()
    patient = Patient.objects.create(
        mrn="MRN-7", given_name="Jeanne", family_name="Roux", birth_date="1944-06-02", ward=ward_a, bed="12"
    )
    procedure = schedule_procedure(
        patient=patient, kind="vertebroplasty", indication="osteoporotic_fracture", levels=["L1"],
        anaesthesia="local", scheduled_at=NOW - 120 * MIN, by=nurse_a,
    )  # fmt: skip
    record_event(procedure=procedure, kind="started", at=NOW - 110 * MIN, by=nurse_a)
    record_event(procedure=procedure, kind="cement_injected", at=NOW - 100 * MIN, by=nurse_a)
    record_event(procedure=procedure, kind="ended", at=NOW - 95 * MIN, by=nurse_a)
    values = {
        "systolic_bp": 130, "diastolic_bp": 80, "pulse": 72, "spo2": 89, "temperature": Decimal("36.8"),
        "leg_strength": "changed", "leg_sensation": "normal", "puncture_site": "clean", "bladder": "normal",
    }  # fmt: skip
    record_observations(procedure=procedure, values=values, recorded_at=NOW - 2 * MIN, by=nurse_a, now=NOW)
    # The worker delivered the alerts to the ward inbox.
    Reminder.objects.filter(kind=Reminder.Kind.ALERT).update(status=Reminder.Status.SENT, sent_at=NOW)
    return procedure


def test_the_red_flags_are_written_in_french(red_flagged):
    alerts = Reminder.objects.filter(procedure=red_flagged, kind=Reminder.Kind.ALERT).order_by("red_flag")

    assert [alert.label_in("fr") for alert in alerts] == ["Force ou sensibilité des jambes modifiée", "SpO2 (%) 89"]
    assert [alert.label_in("en") for alert in alerts] == ["Leg strength or sensation changed", "SpO2 (%) 89"]


def test_a_french_board_and_patient_pages_contain_no_english(logged_in, red_flagged):
    open_check = red_flagged.milestones.filter(step__records="observations").order_by("due_at").first()
    choose_french(logged_in)
    pages = {
        "board": reverse("ward:board"),
        "patient": reverse("ward:patient", args=[red_flagged.patient.pk]),
        "record event": reverse("ward:record_event", args=[red_flagged.pk]),
        "complete": reverse("ward:complete", args=[open_check.pk]),
        "handover": reverse("ward:handover", args=[red_flagged.patient.ward_id]),
    }

    found, texts = {}, {}
    for name, url in pages.items():
        response = logged_in.get(url)
        assert response.status_code == 200, name
        texts[name] = response.content.decode()
        found[name] = english_on(texts[name])

    assert found == {name: [] for name in pages}
    # The pages did show the red flags and the step, in French.
    assert "Force ou sensibilité des jambes modifiée" in texts["board"]
    assert "Surveillance 1 (15 min)" in texts["complete"] and "force et sensibilité des jambes" in texts["complete"]


def test_the_reader_finds_english_where_there_is_some():
    page = '<p>Tableau</p><button title="Acknowledge">OK</button><span lang="en">English</span><p>12 min ago</p>'

    assert english_on(page) == ["Acknowledge", "12 min ago"]
