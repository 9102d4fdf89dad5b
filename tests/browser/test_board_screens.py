"""Screenshots of a busy board with a red flag, at phone, tablet and desktop widths, in English and French.

Saved under artefacts/ (git-ignored) for a person to look at; the test checks the page is no wider
than the screen at each size.
"""

import datetime as dt

import pytest
from django.utils import timezone

from procedures.management.commands.seed_demo import BEFORE_ANSWERS, NORMAL_OBSERVATIONS
from procedures.models import Patient
from procedures.questionnaires import record_response
from procedures.recording import record_observations
from procedures.timeline import record_event, schedule_procedure
from tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# How many board rows a nurse sees whole without scrolling.
FULLY_SEEN_ROWS = """Array.from(document.querySelectorAll("table.board tbody tr[id]"))
    .filter(row => row.getBoundingClientRect().bottom <= window.innerHeight).length"""
SIZES = {"phone": (390, 844), "tablet": (820, 1180), "desktop": (1280, 800), "tablet-dark": (820, 1180)}


def busy_ward(ward, nurse, count: int = 7) -> list[Patient]:
    """`count` patients at various points of their recovery; the second has two red flags."""
    now = timezone.now()
    patients = []
    for n in range(count):
        patient = Patient.objects.create(
            mrn=f"SCR-{n:03d}", given_name=f"Anne{n}", family_name=f"Lefebvre{n}", birth_date=dt.date(1944, 3, 1),
            ward=ward, bed=str(n + 1),
        )  # fmt: skip
        procedure = schedule_procedure(
            patient=patient, kind="vertebroplasty", indication="osteoporotic_fracture", levels=["L1"],
            anaesthesia="local", scheduled_at=now - dt.timedelta(hours=3), by=nurse,
        )  # fmt: skip
        if n < count - 1:
            injected = now - dt.timedelta(minutes=20 + 25 * n)
            record_event(procedure=procedure, kind="cement_injected", at=injected, by=nurse)
        else:  # not yet operated on: her check before the procedure entered, so nothing is due for her
            check = procedure.milestones.get(step__code="prom_baseline")
            record_response(
                procedure=procedure, questionnaire=check.step.questionnaire, answers=BEFORE_ANSWERS,
                authored_at=now, source="staff", by=nurse, milestone=check, now=now,
            )  # fmt: skip
        if n == 1:
            values = NORMAL_OBSERVATIONS | {"spo2": 89, "leg_strength": "changed"}
            record_observations(procedure=procedure, values=values, recorded_at=now, by=nurse)
        patients.append(patient)
    return patients


@pytest.mark.parametrize("language", ["en", "fr"])
def test_screenshots_of_the_board_with_a_red_flag(browser, live_server, nurse_a, ward_a, language):
    busy_ward(ward_a, nurse_a)
    for size, (width, height) in SIZES.items():
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}, locale="en-GB",
            color_scheme="dark" if size.endswith("dark") else "light",
        )  # fmt: skip
        try:
            page = context.new_page()
            log_in(page, "alice", "alice-password")
            if language == "fr":
                page.get_by_role("button", name="Français").click()
                page.wait_for_load_state()
            screenshot(page, f"board-{language}-{width}{'-dark' if size.endswith('dark') else ''}.png")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0
            seen = page.evaluate(FULLY_SEEN_ROWS)
            print(f"{size} {language}: {overflow} px wider than the screen, {seen} rows wholly on the first screen")
        finally:
            context.close()
