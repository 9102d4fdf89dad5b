"""Every page runs under its Content-Security-Policy in a real browser without one violation."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from notifications.patient_links import patient_link
from procedures.models import Staff
from procedures.timeline import record_event
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_violations(page) -> list[str]:
    """Collect what Chromium reports: CSP refusals land in the console as errors, script failures as
    page errors, failed loads as responses (the console's "Failed to load resource" lines also cover
    the browser's own /favicon.ico request on the admin, which is no page's doing)."""
    problems: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda answer: answer.status >= 400 and problems.append(f"{answer.status} {answer.url}"))
    return problems


def test_the_ward_pages_break_no_rule_of_their_policy(open_tab, nurse_a, procedure):
    page = open_tab()
    problems = watch_violations(page)
    log_in(page, "alice", "alice-password")
    record_event(procedure=procedure, kind="started", at=procedure.scheduled_at, by=nurse_a)

    page.goto(f"/patients/{procedure.patient_id}/")
    expect(page.locator("svg.timeline-svg").first).to_be_visible()
    page.goto(f"/procedures/{procedure.pk}/events/?kind=cement_injected")
    page.get_by_label("Time (ward time)").fill("2026-01-01T09:30")
    expect(page.get_by_label("At the time below")).to_be_checked()  # the page's script, now a file, ran
    page.goto("/")
    expect(page.locator(f"#procedure-{procedure.pk}")).to_be_visible()
    page.wait_for_timeout(6_000)  # one live refresh of the board (every 5 s) under the policy

    assert problems == []


def test_the_patient_s_own_page_breaks_no_rule(open_tab, procedure):
    page = open_tab()
    problems = watch_violations(page)

    response = page.goto(urlsplit(patient_link(procedure.patient)).path)

    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.evaluate("getComputedStyle(document.body).maxWidth") != "none"  # the stylesheet applied
    assert problems == []


def test_the_patient_s_page_names_its_icon_so_her_browser_logs_no_404_for_favicon_ico(open_tab, procedure):
    page = open_tab()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    page.goto(urlsplit(patient_link(procedure.patient)).path)
    page.wait_for_load_state("networkidle")

    expect(page.locator('head link[rel="icon"]')).to_have_attribute("href", "data:,")
    assert errors == []


def test_the_admin_and_the_api_documentation_break_no_rule(open_tab, procedure):
    Staff.objects.create_superuser("root", password="root-password-1234")
    page = open_tab()
    problems = watch_violations(page)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("root-password-1234")
    page.get_by_role("button", name="Log in").click()

    page.goto(f"/admin/procedures/patient/{procedure.patient_id}/change/")
    expect(page.get_by_label("Given name")).to_have_value("Jeanne")
    page.goto("/api/docs/")
    expect(page.get_by_text("Vertebroplasty recovery tracker API").first).to_be_visible(timeout=15_000)

    assert problems == []
