"""A shift on the board in a real browser: log in, record, complete, watch another tab follow."""

import datetime as dt
import re
import time
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from procedures.models import Milestone
from procedures.timeline import record_event
from tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def local_minute(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(PARIS).replace(second=0, microsecond=0)


def as_on_the_page(local: dt.datetime) -> str:
    """A ward time as the pages write it: "14:10" today, "11 Feb 02:10" another day this year."""
    today = dt.datetime.now(PARIS).date()
    if local.date() == today:
        return f"{local:%H:%M}"
    return f"{local.day} {local:%b %H:%M}" if local.year == today.year else f"{local.day} {local:%b %Y %H:%M}"


def test_a_nurse_records_a_cement_injection_sees_its_milestones_in_ward_time_and_completes_one(
    open_tab, nurse_a, procedure
):
    page = open_tab()
    log_in(page, "alice", "alice-password")
    row = page.locator(f"#procedure-{procedure.pk}")
    expect(row).to_contain_text("MARTIN Jeanne")
    expect(row).to_contain_text("not yet injected")

    # Nine minutes ago, typed in the ward's local time.
    injected = local_minute(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=9))
    row.get_by_role("link", name=re.compile("Record")).click()
    page.get_by_label("What happened").select_option("cement_injected")
    page.get_by_label("Time (ward time)").fill(injected.strftime("%Y-%m-%dT%H:%M"))
    expect(page.get_by_label("At the time below")).to_be_checked()  # typing a time chose it
    page.get_by_role("button", name="Confirm and record").click()

    expect(page.get_by_role("status").first).to_contain_text(
        f"Recorded “Cement injected” at {injected:%H:%M} for MARTIN Jeanne (bed 12)."
    )
    hardened_due = injected + dt.timedelta(minutes=10)
    stand_due = injected + dt.timedelta(hours=12)
    expect(row).to_contain_text(f"Cement hardened due {hardened_due:%H:%M}")
    expect(row).to_contain_text(f"may stand at {as_on_the_page(stand_due)}")
    screenshot(page, "board.png")

    page.get_by_role("link", name="MARTIN Jeanne", exact=True).click()
    milestones = page.locator("table.milestones")
    expect(milestones.locator("tr", has_text="May stand")).to_contain_text(as_on_the_page(stand_due))
    expect(milestones.locator("tr", has_text="Control X-ray")).to_contain_text(
        as_on_the_page(injected + dt.timedelta(hours=24))
    )
    expect(page.locator("svg.timeline-svg").first).to_be_visible()
    screenshot(page, "patient.png")

    milestones.locator("tr", has_text="Cement hardened").get_by_role("link", name=re.compile("Complete")).click()
    page.get_by_label("Note").fill("Moved flat, comfortable")
    page.get_by_role("button", name="Confirm: done").click()

    expect(page.get_by_role("status").first).to_contain_text("Completed “Cement hardened”")
    expect(milestones.locator("tr", has_text="Cement hardened")).to_contain_text("Moved flat, comfortable")
    hardened = Milestone.objects.get(procedure=procedure, step__code="cement_hardened")
    assert (hardened.completed_by, hardened.note) == (nurse_a, "Moved flat, comfortable")


def test_a_time_typed_before_the_page_s_script_ran_is_still_the_time_recorded(open_tab, nurse_a, procedure):
    page = open_tab()
    log_in(page, "alice", "alice-password")
    page.route("**/record_event.js", lambda route: route.abort())  # a tablet whose script has not arrived yet
    page.goto(f"/procedures/{procedure.pk}/events/?kind=cement_injected")
    offered = page.get_by_label("Time (ward time)").input_value()
    injected = local_minute(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=9))
    page.get_by_label("Time (ward time)").fill(injected.strftime("%Y-%m-%dT%H:%M"))
    expect(page.get_by_label("Now")).to_be_checked()

    page.unroute("**/record_event.js")
    page.add_script_tag(url="/static/ward/record_event.js")  # the script arrives late
    expect(page.get_by_label("At the time below")).to_be_checked()

    page.get_by_label("Now").check()  # she changes her mind: the time shown is the one that will be sent
    expect(page.get_by_label("Time (ward time)")).to_have_value(offered)
    page.get_by_label("Time (ward time)").fill(injected.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Confirm and record").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Recorded “Cement injected” at {injected:%H:%M}")


def test_without_its_script_a_typed_time_with_now_chosen_is_refused_not_ignored(open_tab, nurse_a, procedure):
    page = open_tab()
    log_in(page, "alice", "alice-password")
    page.route("**/record_event.js", lambda route: route.abort())
    page.goto(f"/procedures/{procedure.pk}/events/?kind=cement_injected")
    page.get_by_label("Time (ward time)").fill(
        local_minute(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=9)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Confirm and record").click()

    expect(page.get_by_role("alert").first).to_contain_text("A time was typed below")
    assert not procedure.events.exists()


def test_another_tab_s_board_follows_a_change_within_ten_seconds(open_tab, nurse_a, procedure):
    watching, acting = open_tab(), open_tab()
    log_in(watching, "alice", "alice-password")
    log_in(acting, "alice", "alice-password")
    watched_row = watching.locator(f"#procedure-{procedure.pk}")
    expect(watched_row).to_contain_text("not yet injected")

    acting.goto(f"/procedures/{procedure.pk}/events/?kind=cement_injected")
    acting.get_by_role("button", name="Confirm and record").click()
    changed_at = time.monotonic()

    expect(watched_row).to_contain_text("Cement hardened", timeout=10_000)
    print(f"\nthe other tab followed in {time.monotonic() - changed_at:.1f} s")
    expect(watching.locator("#live-status")).to_contain_text("Updated at")


def test_a_nurse_of_another_ward_cannot_open_the_patient(open_tab, nurse_b, procedure, patient):
    page = open_tab()
    log_in(page, "bob", "bob-password")
    expect(page.locator("h1")).to_contain_text("Ward B")
    expect(page.locator("table.board")).not_to_contain_text("MARTIN")

    response = page.goto(f"/patients/{patient.pk}/")

    assert response.status == 404


def tab_to(page, element_id: str, *, most: int = 40) -> None:
    """Press Tab until the element has the focus, as a keyboard user would."""
    for _ in range(most):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} was not reached in {most} presses of Tab")


def test_a_nurse_works_in_french_with_the_keyboard_alone(open_tab, nurse_a, procedure):
    record_event(procedure=procedure, kind="cement_injected", at=timezone.now() - dt.timedelta(minutes=9), by=nurse_a)
    page = open_tab()
    log_in(page, "alice", "alice-password")
    page.get_by_role("button", name="Français").press("Enter")
    expect(page.locator("h1")).to_have_text("Tableau de Ward A (spine)")

    tab_to(page, f"complete-{procedure.pk}")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Faire « Ciment durci »")  # the step label is French too
    tab_to(page, "id_note")
    page.keyboard.type("Mise à plat, confortable")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").first).to_contain_text("« Ciment durci » fait à")
    expect(page.locator(f"#procedure-{procedure.pk}")).to_contain_text("lever possible à")
    assert Milestone.objects.get(procedure=procedure, step__code="cement_hardened").note == "Mise à plat, confortable"
