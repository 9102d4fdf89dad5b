"""The patient page and the handover sheet in a real browser, at phone, tablet and desktop sizes, in
English and French, light and dark: no page wider than the screen, touch targets of 44 px, no
axe-core violation, and the red-flag notice after saving observations. Screenshots go to artefacts/."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from procedures.models import ObservationCheck
from procedures.recording import record_observations, record_pain_score
from procedures.timeline import record_event
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import COLOURED, log_in, screenshot
from tests.browser.test_board_bedside import SMALL_TARGETS as SMALL_LINKS_TOO
from ward.models import HandoverNote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": (390, 844), "tablet": (820, 1180), "desktop": (1280, 800)}
NORMAL = {
    "systolic_bp": 132, "diastolic_bp": 78, "pulse": 74, "spo2": 97, "temperature": "36.8", "leg_strength": "normal",
    "leg_sensation": "normal", "puncture_site": "clean", "bladder": "normal",
}  # fmt: skip
# Buttons, button-like links and form fields narrower or lower than 44 px (inline text links are exempt),
# of those shown (not folded away in a closed <details>).
SMALL_TARGETS = """Array.from(document.querySelectorAll(
      "main button, main .button, main input:not([type=hidden]), main select, main textarea"))
    .filter(e => e.offsetParent !== null && e.checkVisibility())
    .filter(e => { const r = e.getBoundingClientRect(); return r.height < 44 || r.width < 44; })
    .map(e => e.outerHTML.slice(0, 80))"""
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
# The innermost elements that reach past the right edge of the screen, to say what overflows.
WIDE = """Array.from(document.querySelectorAll("body *"))
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(e => { for (let a = e.parentElement; a; a = a.parentElement) {
        if (["auto", "scroll", "hidden"].includes(getComputedStyle(a).overflowX)) return false; } return true; })
    .filter(e => !Array.from(e.children).some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
    .map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))
    .slice(0, 8)"""


@pytest.fixture
def recovering(procedure, nurse_a):
    """Cement three hours ago, observations every half hour, the last one with SpO2 89: a red flag."""
    now = timezone.now()
    record_event(procedure=procedure, kind="started", at=now - dt.timedelta(minutes=190), by=nurse_a)
    record_event(procedure=procedure, kind="cement_injected", at=now - dt.timedelta(minutes=180), by=nurse_a)
    record_event(procedure=procedure, kind="ended", at=now - dt.timedelta(minutes=170), by=nurse_a)
    record_pain_score(procedure=procedure, score=6, recorded_at=now - dt.timedelta(hours=4), source="baseline",
                      by=nurse_a)  # fmt: skip
    for minutes, changes in [(150, {"pain": 5}), (120, {"pulse": 80}), (90, {"pain": 4}), (60, {"pulse": 88}),
                             (30, {"pulse": 96, "pain": 3}), (2, {"spo2": 89, "pulse": 104})]:  # fmt: skip
        record_observations(procedure=procedure, values=NORMAL | changes,
                            recorded_at=now - dt.timedelta(minutes=minutes), by=nurse_a)  # fmt: skip
    HandoverNote.objects.create(patient=procedure.patient, author=nurse_a, text="Anxious about standing up tonight.")
    return procedure


def open_as_nurse(browser, live_server, size: str, *, dark: bool = False) -> Page:
    width, height = SIZES[size]
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}, locale="en-GB",
        color_scheme="dark" if dark else "light",
    )  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, "alice", "alice-password")
    return page


# The timeline's "now 14:02" (French "il est 14:02") drawn past the edge of its box: white on the page, unread.
NOW_LABEL_OUT_OF_ITS_BOX = """(() => {
    const label = document.querySelector(".now-label");
    if (!label) return false;
    const text = label.getBoundingClientRect(), box = label.parentNode.querySelector("rect").getBoundingClientRect();
    return text.left < box.left - 0.5 || text.right > box.right + 0.5;
})()"""


def check_page(page: Page, name: str) -> None:
    assert page.evaluate(OVERFLOW) <= 0, f"{name} is wider than the screen: {page.evaluate(WIDE)}"
    assert not page.evaluate(NOW_LABEL_OUT_OF_ITS_BOX), f"{name}: the timeline's 'now' runs out of its box"
    assert page.evaluate(SMALL_TARGETS) == [], f"{name} has touch targets under 44 px"
    assert_no_axe_violations(page)
    screenshot(page, f"{name}.png")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_patient_page_and_handover_fit_phone_tablet_and_desktop_with_no_axe_violation(
    browser, live_server, nurse_a, ward_a, patient, recovering, language
):
    for size in SIZES:
        page = open_as_nurse(browser, live_server, size)
        try:
            if language == "fr":
                page.get_by_role("button", name="Français").click()
                page.wait_for_load_state()
            page.goto(f"/patients/{patient.pk}/")
            page.locator("#patient-link button[type=submit]").first.click()  # show the link and its QR code
            expect(page.locator(".qr-code svg")).to_be_visible()
            check_page(page, f"patient-{language}-{SIZES[size][0]}")
            page.goto(f"/wards/{ward_a.pk}/handover/")
            expect(page.locator("article.handover-patient")).to_have_count(1)
            check_page(page, f"handover-{language}-{SIZES[size][0]}")
        finally:
            page.context.close()


def test_links_tapped_on_their_own_are_44_px_on_the_pages_a_nurse_opens_from_the_board(
    browser, live_server, ward_a, patient, recovering
):
    """The board's measure (links too, not only buttons): "← Back", "Correct…", a patient on the handover, a filter."""
    milestone = recovering.milestones.filter(completed_at__isnull=True).order_by("due_at").first()
    pk = recovering.pk
    pages = [
        f"/patients/{patient.pk}/", f"/wards/{ward_a.pk}/handover/", f"/procedures/{pk}/events/?kind=discharged",
        f"/procedures/{pk}/observations/", f"/procedures/{pk}/pain/", f"/procedures/{pk}/complications/",
        f"/milestones/{milestone.pk}/complete/", "/?show=now",
    ]  # fmt: skip
    for size in ("phone", "desktop"):
        page = open_as_nurse(browser, live_server, size)
        try:
            for url in pages:
                page.goto(url)
                assert page.evaluate(SMALL_LINKS_TOO) == [], f"{url} at {size}: touch targets under 44 px"
        finally:
            page.context.close()


def test_dark_scheme_passes_axe_on_the_patient_page_and_handover(browser, live_server, ward_a, patient, recovering):
    for size in ("phone", "tablet"):
        page = open_as_nurse(browser, live_server, size, dark=True)
        try:
            page.goto(f"/patients/{patient.pk}/")
            check_page(page, f"patient-dark-{SIZES[size][0]}")
            page.goto(f"/wards/{ward_a.pk}/handover/")
            check_page(page, f"handover-dark-{SIZES[size][0]}")
        finally:
            page.context.close()


def test_saving_observations_with_a_red_flag_says_so_on_the_next_page(browser, live_server, patient, recovering):
    page = open_as_nurse(browser, live_server, "phone")
    try:
        page.goto(f"/patients/{patient.pk}/")
        page.get_by_role("link", name="Record observations").click()
        expect(page.get_by_text("Previous check:").first).to_be_visible()
        values = {"Systolic BP (mmHg)": "128", "Diastolic BP (mmHg)": "70", "Pulse (/min)": "90",
                  "SpO2 (%)": "88", "Temperature (°C)": "37.0"}  # fmt: skip
        for label, value in values.items():
            page.get_by_label(label).fill(value)
        for label, choice in [("Leg strength", "normal"), ("Leg sensation", "normal"), ("Puncture site", "clean")]:
            page.get_by_label(label).select_option(choice)
        page.get_by_role("button", name="Confirm and record").click()

        notice = page.locator(".message.red-flag")
        expect(notice).to_have_text(
            "⚠ Red flag raised: SpO2 88 %, escalates to the charge nurse in 5 min unless acknowledged."
        )
        assert ObservationCheck.objects.filter(spo2=88).exists()
        assert page.evaluate(OVERFLOW) <= 0, page.evaluate(WIDE)
        screenshot(page, "patient-red-flag-notice-390.png")
    finally:
        page.context.close()


def test_print_hides_buttons_and_forms_on_the_handover(browser, live_server, ward_a, patient, recovering):
    page = open_as_nurse(browser, live_server, "desktop")
    try:
        page.goto(f"/wards/{ward_a.pk}/handover/")
        page.emulate_media(media="print")
        assert page.locator("form.note-form").first.is_hidden()
        assert page.locator("header.site").is_hidden()
        assert page.evaluate(COLOURED) == []  # a red flag's patient framed in black, not in red
        expect(page.locator("article.handover-patient")).to_contain_text("Anxious about standing up tonight.")
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
    finally:
        page.context.close()


def test_an_open_patient_page_says_how_old_it_is_once_a_while_has_passed(browser, live_server, patient, recovering):
    page = open_as_nurse(browser, live_server, "tablet")
    try:
        page.clock.install()  # the page's clock, moved on below without waiting
        page.goto(f"/patients/{patient.pk}/")
        line = page.locator("#shown-at")
        expect(line).to_contain_text("Shown at")
        expect(line.locator(".age")).to_be_hidden()

        page.clock.fast_forward("03:00")

        expect(line).to_contain_text("3 min ago: reload to see what changed since")
        assert "stale" in line.get_attribute("class")
        assert line.get_by_role("link", name="Reload").get_attribute("href") == f"/patients/{patient.pk}/"
    finally:
        page.context.close()
