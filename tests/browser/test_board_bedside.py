"""The board as a nurse meets it at the bedside, in a real browser: red flags she cannot miss, a board
that says when it is stale, discharged patients with work left, phones, tablets, night and paper."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from notifications.models import Reminder
from procedures.management.commands.seed_demo import NORMAL_OBSERVATIONS
from procedures.recording import record_observations
from procedures.timeline import record_event
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import COLOURED, log_in, wait_until_true
from tests.browser.test_board_screens import FULLY_SEEN_ROWS, busy_ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 820, "height": 1180}
LIVE = re.compile(r"/wards/\d+/live/")
# Counts the tones and notifications the page makes, without changing what they do.
SPY = """
window.__tones = 0;
window.__notifications = [];
if (window.AudioContext) {
  const createOscillator = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () { window.__tones += 1; return createOscillator.call(this); };
}
if (window.Notification) {
  window.Notification = class extends window.Notification {
    constructor(title, options) { super(title, options); window.__notifications.push(title); }
  };
}
"""


@pytest.fixture
def tab(browser, live_server):
    """Open a tab at a size, in a colour scheme, with its own session."""
    contexts = []

    def open_tab(viewport=None, *, scheme="light", javascript=True):
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport or {"width": 1280, "height": 800}, locale="en-GB",
            color_scheme=scheme, java_script_enabled=javascript,
        )  # fmt: skip
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_tab
    for context in contexts:
        context.close()


def raise_flags(patient, nurse, **values):
    record_observations(
        procedure=patient.procedures.get(), values=NORMAL_OBSERVATIONS | values, recorded_at=timezone.now(), by=nurse
    )


def test_red_flags_are_listed_first_counted_in_the_title_and_acknowledged_in_one_go(tab, nurse_a, ward_a):
    patients = busy_ward(ward_a, nurse_a)  # bed 2: SpO2 89 and a leg weaker
    page = tab()
    log_in(page, "alice", "alice-password")

    region = page.locator("#red-flags")
    expect(region).to_have_attribute("role", "alert")
    expect(region).to_contain_text("2 open red flags")
    expect(region).to_contain_text("Bed 2")
    expect(region).to_contain_text("LEFEBVRE1 Anne1")
    expect(region).to_contain_text("SpO2 (%) 89")
    expect(region).to_contain_text("Leg strength or sensation changed")
    expect(page).to_have_title("(2) Board · Ward A (spine) · Recovery tracker")
    first = page.locator("table.board tbody tr").first
    expect(first).to_have_id(f"procedure-{patients[1].procedures.get().pk}")
    expect(first).to_contain_text("RED FLAG")
    colours = page.evaluate(
        """() => [".is-red-flag", ".is-overdue"]
            .map(s => getComputedStyle(document.querySelector(s)).backgroundColor)"""
    )
    assert colours[0] != colours[1]

    first.get_by_role("button", name=re.compile("Acknowledge all 2 red flags")).click()

    expect(page.get_by_role("status").first).to_contain_text("Acknowledged 2 red flags for LEFEBVRE1 Anne1")
    expect(page).to_have_title("Board · Ward A (spine) · Recovery tracker")
    assert region.bounding_box() is None or region.bounding_box()["height"] == 0  # empty, no space
    assert not Reminder.objects.open_red_flags().exists()
    assert set(Reminder.objects.filter(kind="alert").values_list("acknowledged_by__username", flat=True)) == {"alice"}


def test_a_new_red_flag_flashes_the_title_sounds_and_notifies_when_switched_on(tab, nurse_a, ward_a):
    patients = busy_ward(ward_a, nurse_a, count=3)
    page = tab()
    page.context.grant_permissions(["notifications"])
    page.add_init_script(SPY)
    log_in(page, "alice", "alice-password")
    page.get_by_text("Alarms and help").click()  # folded away, below the filters
    page.get_by_label("Sound for a new red flag").check()
    page.get_by_label("Browser notification for a new red flag").check()
    page.reload()
    expect(page.get_by_label("Sound for a new red flag")).to_be_checked()  # remembered by this browser
    expect(page.get_by_label("Browser notification for a new red flag")).to_be_checked()
    expect(page).to_have_title(re.compile(r"^\(2\) "))

    raise_flags(patients[2], nurse_a, bladder="retention")

    expect(page).to_have_title(re.compile(r"New red flag|^\(3\) "), timeout=10_000)
    wait_until_true(page, "window.__tones > 0 && window.__notifications.length > 0")
    expect(page.locator("#red-flags")).to_contain_text("Bladder: retention")
    expect(page).to_have_title("(3) Board · Ward A (spine) · Recovery tracker", timeout=15_000)


def test_the_board_says_it_is_stale_stops_its_countdowns_and_recovers(tab, nurse_a, ward_a):
    busy_ward(ward_a, nurse_a, count=3)
    page = tab()
    log_in(page, "alice", "alice-password")
    banner = page.locator("#stale-banner")
    expect(banner).to_be_empty()
    countdown = page.locator("#board-live [data-countdown]").first

    page.route(LIVE, lambda route: route.abort("internetdisconnected"))
    expect(banner).to_contain_text(re.compile(r"Not updated since \d\d:\d\d: check the connection"), timeout=15_000)
    expect(banner).to_have_attribute("role", "alert")
    expect(page).to_have_title(re.compile(r"^⚠ Not updated \d\d:\d\d · \(2\) Board"))
    expect(countdown).to_have_css("text-decoration-line", "line-through")
    frozen = countdown.text_content()
    for _ in range(13):  # through more than two ticks of the clock (1 s each), it stays as it froze
        page.wait_for_timeout(200)
        assert countdown.text_content() == frozen

    page.unroute(LIVE)
    expect(banner).to_be_empty(timeout=15_000)
    expect(page).to_have_title("(2) Board · Ward A (spine) · Recovery tracker")
    expect(page.locator("#live-status")).to_contain_text("Updated at")


def test_the_board_also_says_so_when_the_browser_goes_offline(tab, nurse_a, ward_a):
    busy_ward(ward_a, nurse_a, count=2)
    page = tab()
    log_in(page, "alice", "alice-password")

    page.context.set_offline(True)
    expect(page.locator("#stale-banner")).to_contain_text("check the connection", timeout=15_000)
    page.context.set_offline(False)
    expect(page.locator("#stale-banner")).to_be_empty(timeout=15_000)


def test_a_french_stale_board_says_so_in_french(tab, nurse_a, ward_a):
    busy_ward(ward_a, nurse_a, count=2)
    page = tab()
    log_in(page, "alice", "alice-password")
    page.get_by_role("button", name="Français").click()
    expect(page.locator("h1")).to_contain_text("Tableau")

    page.route(LIVE, lambda route: route.abort())
    expect(page.locator("#stale-banner")).to_contain_text(
        re.compile(r"Pas de mise à jour depuis \d\d:\d\d : vérifiez la connexion"), timeout=15_000
    )


def test_discharge_is_recorded_from_the_row_s_more_and_she_stays_in_discharged_today(tab, nurse_a, ward_a):
    [_, recovering, *_] = busy_ward(ward_a, nurse_a, count=3)
    procedure = recovering.procedures.get()
    record_event(procedure=procedure, kind="ended", at=timezone.now(), by=nurse_a)
    page = tab()
    log_in(page, "alice", "alice-password")
    row = page.locator(f"#procedure-{procedure.pk}")
    expect(row.get_by_role("link", name=re.compile("Record: Discharged"))).to_be_hidden()

    row.locator("summary", has_text="More").click()
    row.get_by_role("link", name=re.compile("Record: Discharged")).click()
    page.get_by_role("button", name="Confirm and record").click()

    group = page.locator("table.board.discharged")
    expect(page.locator("#discharged-title")).to_contain_text("Discharged today")
    expect(group).to_contain_text("LEFEBVRE1 Anne1")
    expect(group).to_contain_text("discharged at")
    page.get_by_role("link", name="Discharged today").click()
    expect(page.locator("table.board:not(.discharged)")).to_have_count(0)
    expect(group).to_contain_text("LEFEBVRE1 Anne1")


def test_filters_and_orders_work_without_a_script(tab, nurse_a, ward_a):
    busy_ward(ward_a, nurse_a, count=4)  # bed 4 has not had its cement yet: nothing due
    page = tab(javascript=False)
    log_in(page, "alice", "alice-password")
    expect(page.locator("table.board tbody tr[id]")).to_have_count(4)

    page.get_by_role("link", name="Needs me now").click()
    expect(page).to_have_url(re.compile(r"\?show=now$"))
    expect(page.locator("table.board tbody tr[id]")).to_have_count(3)
    page.get_by_role("link", name="By bed").click()
    expect(page).to_have_url(re.compile(r"\?show=now&sort=bed$"))
    beds = page.locator("table.board tbody tr[id] td.bed").all_text_contents()
    assert beds == ["2", "1", "3"]  # the red flag first, then by bed


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


# Links, buttons and fields a finger must hit, shown and smaller than 44 px (a checkbox counts with its label).
TARGETS = "main a, main button, main summary, main input, header a, header button"
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(TARGETS))
    .filter(el => el.offsetParent !== null && !el.closest(".visually-hidden, .skip"))
    .map(el => [el, el.closest("label") || el])
    .filter(([el, target]) => { const box = target.getBoundingClientRect(); return box.height < 44 || box.width < 44; })
    .map(([el]) => el.outerHTML.slice(0, 120))""".replace("TARGETS", repr(TARGETS))


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_board_fits_phones_and_tablets_with_big_targets_and_no_axe_violation(
    tab, nurse_a, ward_a, language, scheme
):
    busy_ward(ward_a, nurse_a)
    for viewport in (PHONE, TABLET):
        page = tab(viewport, scheme=scheme)
        log_in(page, "alice", "alice-password")
        if language == "fr":
            page.get_by_role("button", name="Français").click()
            expect(page.locator("h1")).to_contain_text("Tableau")
        page.locator("#recent summary").click()  # open, so that its contents are checked too

        assert overflow(page) <= 0, f"{overflow(page)} px wider than {viewport}"
        assert page.evaluate(SMALL_TARGETS) == []
        assert_no_axe_violations(page)


def test_a_tablet_s_first_screen_shows_at_least_five_patients(tab, nurse_a, ward_a):
    busy_ward(ward_a, nurse_a, count=8)
    Reminder.objects.filter(kind="alert").update(acknowledged_at=timezone.now(), acknowledged_by=nurse_a)
    page = tab(TABLET)
    log_in(page, "alice", "alice-password")

    expect(page.locator("#recent")).not_to_have_attribute("open", "")
    assert page.evaluate(FULLY_SEEN_ROWS) >= 5


def test_the_dark_scheme_follows_the_device(tab, nurse_a, ward_a):
    busy_ward(ward_a, nurse_a, count=2)
    page = tab(scheme="dark")
    log_in(page, "alice", "alice-password")

    background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")

    assert background == "rgb(17, 22, 29)"


def test_the_board_prints_black_on_white_without_buttons_or_navigation(tab, nurse_a, ward_a):
    busy_ward(ward_a, nurse_a, count=3)
    page = tab(scheme="dark")
    log_in(page, "alice", "alice-password")

    page.emulate_media(media="print")

    for selector in ["header.site", ".board-tools", "#board-live button", "#board-live .button"]:
        expect(page.locator(selector).first).to_be_hidden()
    expect(page.get_by_role("link", name="Change ward")).to_be_hidden()
    expect(page.get_by_role("link", name="Handover")).to_be_hidden()
    assert page.evaluate(COLOURED) == []
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    expect(page.locator("table.board tbody tr").first).to_contain_text("RED FLAG")
