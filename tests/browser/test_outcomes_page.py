"""The ward's results page in a real browser: a doctor of the ward sees each chart with its numbers,
filters by period and kind, downloads the CSV; at 390 and 1280 px, in English and French, no page
wider than the screen and no axe-core violation. A nurse of another ward gets a 404. Screenshots go
to artefacts/."""

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from procedures.models import Staff
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import log_in, screenshot
from tests.outcomes.test_results import prom_protocol, ward_data  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {390: 844, 1280: 800}
FEBRUARY = "from=2026-01-01&to=2026-03-31"
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
# The innermost elements that reach past the right edge of the screen, to say what overflows.
WIDE = """Array.from(document.querySelectorAll("body *"))
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(e => !Array.from(e.children).some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
    .map(e => e.tagName + "." + e.getAttribute("class") + " " + Math.round(e.getBoundingClientRect().right))
    .slice(0, 8)"""
TEXTS = {
    "en": {"lead": "4 procedures with the cement injected from 1 January 2026 to 31 March 2026.",
           "none": "0 procedures with the cement injected", "show": "Show", "csv": "Download CSV (no names)"},
    "fr": {"lead": "4 interventions avec le ciment injecté du 1 janvier 2026 au 31 mars 2026.",
           "none": "0 intervention", "show": "Afficher", "csv": "Télécharger en CSV (sans noms)"},
}  # fmt: skip


@pytest.fixture
def doctor(ward_a) -> Staff:
    doctor = Staff.objects.create_user("dora", password="dora-password", role=Staff.Role.DOCTOR)
    doctor.wards.add(ward_a)
    return doctor


def open_as(browser, live_server, username: str, width: int, language: str) -> Page:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": WIDTHS.get(width, 800)}, locale="en-GB",
        accept_downloads=True,
    )  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, username, f"{username}-password")
    if language == "fr":
        page.get_by_role("button", name="Français").click()
        page.wait_for_load_state()
    return page


def check_layout(page: Page, name: str) -> None:
    screenshot(page, f"{name}.png")
    assert page.evaluate(OVERFLOW) <= 0, f"{name} is wider than the screen: {page.evaluate(WIDE)}"
    assert_no_axe_violations(page)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.usefixtures("ward_data")
def test_a_doctor_sees_the_charts_filters_and_downloads_the_csv(browser, live_server, ward_a, doctor, width, language):
    texts = TEXTS[language]
    page = open_as(browser, live_server, "dora", width, language)
    try:
        page.goto(f"/wards/{ward_a.pk}/outcomes/?{FEBRUARY}")

        expect(page.locator("p.lead")).to_have_text(texts["lead"])
        # Four charts, each followed by the table of its numbers.
        expect(page.locator("section svg.outcomes-chart")).to_have_count(4)
        expect(page.locator("section svg.outcomes-chart + table")).to_have_count(4)
        for section in page.locator("section:has(svg.outcomes-chart)").all():
            expect(section.locator("table caption")).not_to_be_empty()
        decimal = "," if language == "fr" else "."
        relief = page.locator("#relief-title ~ table tbody tr").nth(1)  # one month
        expect(relief.locator("td")).to_have_text([n.replace(".", decimal) for n in ["3", "0.667", "0.208–0.939"]])
        leakage = page.locator("#complications-title ~ table tbody tr").first
        expect(leakage.locator("td")).to_have_text([n.replace(".", decimal) for n in ["2", "0.5", "0.15–0.85"]])
        check_layout(page, f"outcomes-{language}-{width}")

        # The kind: no kyphoplasty in the period.
        page.locator("select[name=kind]").select_option("kyphoplasty")
        page.get_by_role("button", name=texts["show"]).click()
        expect(page.locator("p.lead")).to_contain_text(texts["none"])
        assert "kind=kyphoplasty" in page.url

        # The period: only February 2026, all kinds.
        page.locator("select[name=kind]").select_option("")
        page.locator("input[name=from]").fill("2026-02-01")
        page.locator("input[name=to]").fill("2026-02-28")
        page.get_by_role("button", name=texts["show"]).click()
        expect(page.locator("p.lead")).to_have_text(re.compile(r"^4 "))
        assert "from=2026-02-01" in page.url and "to=2026-02-28" in page.url
        page.locator("input[name=from]").fill("2026-02-12")
        page.get_by_role("button", name=texts["show"]).click()
        expect(page.locator("p.lead")).to_have_text(re.compile(r"^3 "))  # P1's cement was on 11 February

        with page.expect_download() as download:
            page.get_by_role("link", name=texts["csv"]).click()
        assert download.value.suggested_filename == f"outcomes-ward{ward_a.pk}-20260212-20260228.csv"
        rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
        assert [row["pain_1m"] for row in rows] == ["4.0", "8.0", "1.0"]
        assert {row["pain_baseline"] for row in rows} == {"6.0", "10.0", ""}
        assert all(len(row["pseudonym"]) == 16 and "Patient" not in str(row) for row in rows)
    finally:
        page.context.close()


@pytest.mark.usefixtures("ward_data")
def test_a_nurse_of_another_ward_gets_a_404(browser, live_server, ward_a, nurse_b):
    page = open_as(browser, live_server, "bob", 390, "en")
    try:
        assert page.goto(f"/wards/{ward_a.pk}/outcomes/?{FEBRUARY}").status == 404
        assert page.request.get(f"/wards/{ward_a.pk}/outcomes.csv?{FEBRUARY}").status == 404
        assert "Patient" not in page.content()
    finally:
        page.context.close()
