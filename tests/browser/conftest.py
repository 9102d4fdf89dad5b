"""Headless Debian Chromium driven by Playwright against pytest-django's live server.

One browser for all of them (starting Chromium is the slow part); a fresh context, with
its own cookies, for each tab a test opens. Playwright's own browser download is not used.
"""

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import reload_default_protocol

ARTEFACTS = Path(__file__).resolve().parents[2] / "artefacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# How long a page action or an `expect` may wait for its condition: a deadline, never a pause, so generous
# that a machine whose cores are all busy still passes.
DEADLINE_MS = 20_000
expect.set_options(timeout=DEADLINE_MS)
# Tablet landscape, the ward's main screen.
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="package")
def browser() -> Browser:
    """One Chromium for all the browser tests, stopped when they are done."""
    # Playwright's synchronous API keeps an event loop running in this thread while it is open,
    # and Django refuses ORM calls under a running loop. The tests' own ORM calls are plain
    # synchronous code, so the guard stands down, only for as long as the browser is open.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def protocol(transactional_db):
    """The database is emptied after each test with a live server: load the default protocol again.

    (Django's serialized_rollback cannot do it here: while Playwright's event loop runs, Django
    keeps its connections per async context and the test gets a connection without the copy.)
    """
    reload_default_protocol()


@pytest.fixture
def open_tab(browser, live_server):
    """Open a tab with its own session; closed at the end of the test."""
    contexts = []

    def open_tab() -> Page:
        context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(DEADLINE_MS)
        return page

    yield open_tab
    for context in contexts:
        context.close()


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def screenshot(page: Page, name: str) -> None:
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTEFACTS / name, full_page=True)


@pytest.fixture
def axe():
    """axe-core's check, as a fixture: `axe(page)` fails the test on any violation (see tests/browser/axe.py)."""
    from tests.browser.axe import assert_no_axe_violations

    return assert_no_axe_violations


def wait_until_true(page: Page, expression: str, timeout: float = 20.0) -> None:
    """Wait until a JavaScript expression is true on the page, polled from here.

    Not page.wait_for_function: Playwright compiles its predicate in the page, which the pages'
    Content-Security-Policy (no 'unsafe-eval') refuses.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        page.wait_for_timeout(100)


# The elements shown in a colour (text, background or border) rather than in black, white or grey: a printed
# page must read black on white.
COLOURED = """Array.from(document.querySelectorAll("body *")).filter(e => e.checkVisibility()).flatMap(e => {
    const style = getComputedStyle(e), colours = [style.color];
    if (!style.backgroundColor.endsWith(", 0)")) colours.push(style.backgroundColor);
    for (const side of ["Top", "Right", "Bottom", "Left"]) {
        if (parseFloat(style["border" + side + "Width"]) > 0) colours.push(style["border" + side + "Color"]);
    }
    const coloured = colours.filter(c => {
        const [r, g, b] = c.match(/[\\d.]+/g).map(Number);
        return r !== g || g !== b;
    });
    return coloured.length ? [e.tagName + "." + e.className + " " + coloured.join(" ")] : [];
}).slice(0, 10)"""
