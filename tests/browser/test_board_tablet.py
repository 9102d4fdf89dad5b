"""The board's first screen on a tablet (820 × 1180, portrait): at least five whole patients in view, in
English and in French, at any hour (times that carry a day, a month or a year are longer), with two red
flags open above the rows and with none; nothing wider than the screen, no button under 44 px."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from notifications.alerts import acknowledge_red_flags
from tests.browser.conftest import ARTEFACTS, log_in
from tests.browser.test_board_screens import busy_ward
from tests.browser.test_patient_screens import SMALL_TARGETS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 820, "height": 1180}
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
MOMENTS = {
    # The afternoon: every time of the board is today's, "14:05".
    "day": dt.datetime(2026, 3, 10, 14, 30, tzinfo=PARIS),
    # Just after midnight on New Year's Day: the cement times and the steps due are last year's,
    # "31 déc. 2026 21:35", and the French words are the longest.
    "new-year": dt.datetime(2027, 1, 1, 0, 50, tzinfo=PARIS),
}


def rows_in_view(page) -> list[str]:
    """The ids of the patients' rows wholly inside the viewport, from their bounding boxes."""
    seen = []
    for row in page.locator("table.board tbody tr[id]").all():
        box = row.bounding_box()
        if box and box["y"] >= 0 and box["y"] + box["height"] <= TABLET["height"]:
            seen.append(row.get_attribute("id"))
    return seen


def check_first_screen(page, name: str) -> None:
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTEFACTS / f"{name}.png")  # the first screen only, as the nurse sees it
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, f"{name}: too wide"
    assert page.evaluate(SMALL_TARGETS) == [], f"{name}: touch targets under 44 px"
    assert len(rows_in_view(page)) >= 5, f"{name}: fewer than five patients on the first screen"


@pytest.mark.parametrize("moment", list(MOMENTS))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_five_patients_on_a_tablet_s_first_screen_with_and_without_red_flags(
    browser, live_server, nurse_a, ward_a, language, moment
):
    with time_machine.travel(MOMENTS[moment], tick=True):
        # The second has two red flags; the cement injections alice recorded fill "Your last actions",
        # which must not push the patients down.
        patients = busy_ward(ward_a, nurse_a, count=9)
        context = browser.new_context(base_url=live_server.url, viewport=TABLET, locale="en-GB")
        context.clock.set_fixed_time(MOMENTS[moment])  # the board's countdowns, moved on in the page
        try:
            page = context.new_page()
            log_in(page, "alice", "alice-password")
            if language == "fr":
                page.get_by_role("button", name="Français").click()
                page.wait_for_load_state()
            assert page.locator("#red-flags li").count() == 2
            assert page.locator("#recent").count() == 1
            check_first_screen(page, f"board-first-screen-{language}-{moment}-820")

            acknowledge_red_flags(procedure=patients[1].procedures.get(), by=nurse_a, now=timezone.now())
            page.reload()
            assert page.locator("#red-flags li").count() == 0
            check_first_screen(page, f"board-first-screen-{language}-{moment}-no-flag-820")
        finally:
            context.close()
