"""End to end in headless Chromium (Debian's package), driven by Playwright's Python API.

Install: ``apt-get install -y chromium`` (provides /usr/bin/chromium); Playwright is pinned
in requirements.txt and never downloads a browser here. Without the executable these tests
skip, saying why. Map tiles are blocked: the pages must work without them.
"""

from __future__ import annotations

import importlib
import json
import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# Screenshots refresh docs/screenshots/ only when asked (UPDATE_SCREENSHOTS=1 ./bin/test
# tests/web/test_browser.py); ordinary runs write them to a temporary folder, so running the
# tests never dirties the work tree.
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS") == "1"
    else Path(os.environ.get("TMPDIR", "/tmp")) / "kcd-screenshots"
)
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium: apt-get install -y chromium",
    ),
]

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls (fixtures)
# are still plain synchronous code, so Django's async guard is lifted for this module.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    """live_server tests empty every table afterwards, the migration-loaded reference rows
    (routes, specialties, insurance, languages) included: load them again (idempotent)."""
    from django.apps import apps

    importlib.import_module("directory.migrations.0002_reference_data").load(apps, None)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def _context(browser, **kwargs):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, **kwargs)
    context.route(re.compile(r"https?://(?!127\.0\.0\.1|localhost).*"), lambda r: r.abort())
    context.set_default_timeout(15000)
    return context


def _login(page, base: str, email: str, password: str = "correct-horse-battery") -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _axe_violations(page) -> list[dict]:
    # Evaluated through the DevTools protocol, so the page's CSP does not block it.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }"
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def _check_page(page, name: str, *, full_page: bool = True) -> None:
    violations = _axe_violations(page)
    assert violations == [], f"{name}: {json.dumps(violations, indent=1)}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def test_search_book_confirm_journey(browser, live_server, clinic, alice, carol, settings):
    base = live_server.url
    context = _context(browser)
    page = context.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )

    # Search by ZIP.
    page.goto(f"{base}/")
    _check_page(page, "01-search-empty")
    page.get_by_label("ZIP code or location").fill("94103")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"near=94103"))
    assert page.locator(".result").count() == 1
    _check_page(page, "02-search-results")

    # Open the provider; choosing a time asks to log in first.
    page.get_by_role("link", name="Golden Gate Ketamine").click()
    page.wait_for_url(f"**/providers/{clinic.slug}/")
    _check_page(page, "03-provider-profile")
    page.locator(".slots button").first.click()
    page.wait_for_url(re.compile(r"/login/"))
    _check_page(page, "04-login")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/providers/{clinic.slug}/**")

    # Hold the first time, answer the intake and confirm.
    first_time = page.locator(".slots button").first
    first_time.click()
    page.wait_for_url(re.compile(r"/book/hold/\d+/"))
    page.get_by_label("Alcohol").check()
    page.get_by_label("What would you like help with?").fill("Drinking less")
    _check_page(page, "05-booking-intake")
    page.get_by_role("button", name="Request this appointment").click()
    page.wait_for_url("**/appointments/")
    assert page.get_by_text("Waiting for the clinic to confirm").is_visible()
    _check_page(page, "06-my-appointments")

    # Staff log in and confirm (htmx swaps the row).
    staff_context = _context(browser)
    staff = staff_context.new_page()
    _login(staff, base, carol.email)
    staff.goto(f"{base}/dashboard/")
    assert staff.get_by_text("Alice Patient").first.is_visible()
    _check_page(staff, "07-staff-dashboard")
    staff.get_by_role("button", name=re.compile("^Confirm")).first.click()
    staff.get_by_text("Confirmed.").wait_for()
    assert staff.url.endswith("/dashboard/")  # swapped in place, no reload

    # The patient sees it confirmed.
    page.reload()
    assert page.locator(".badge", has_text="Confirmed").is_visible()
    assert csp_errors == []
    staff_context.close()
    context.close()


def test_the_same_slot_in_two_browsers_one_gets_just_taken(
    browser, live_server, clinic, alice, bob
):
    base = live_server.url
    first, second = _context(browser), _context(browser)
    page_a, page_b = first.new_page(), second.new_page()
    _login(page_a, base, alice.email)
    _login(page_b, base, bob.email)
    for page in (page_a, page_b):
        page.goto(f"{base}/providers/{clinic.slug}/")
    slot_a = page_a.locator(".slots button").first
    slot_b = page_b.locator(".slots button").first
    assert slot_a.get_attribute("value") == slot_b.get_attribute("value")

    slot_a.click()
    page_a.wait_for_url(re.compile(r"/book/hold/\d+/"))
    slot_b.click()
    page_b.get_by_role("heading", name="Sorry, that time was just taken").wait_for()
    assert page_b.locator(".offers button").count() > 0
    _check_page(page_b, "08-just-taken")
    first.close()
    second.close()


def test_slot_picker_switches_day_with_htmx_and_notes_a_different_time_zone(
    browser, live_server, clinic
):
    context = _context(browser, timezone_id="America/New_York")
    page = context.new_page()
    page.goto(f"{live_server.url}/providers/{clinic.slug}/")
    note = page.locator(".tz-note")
    note.wait_for()
    assert "America/New_York" in note.inner_text()
    day_links = page.locator(".days a")
    target = day_links.nth(2)
    label = target.inner_text().split("(")[0].strip()
    target.click()
    page.locator('.days a[aria-current="date"]', has_text=label).wait_for()
    assert f"/providers/{clinic.slug}/" == page.url.replace(live_server.url, "").split("?")[0]
    context.close()


def test_learn_page_and_mobile_search_have_no_serious_accessibility_problems(
    browser, live_server, directory_data
):
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{live_server.url}/learn/routes/")
    _check_page(page, "09-learn-routes")
    context.close()
    mobile = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    mobile.route(re.compile(r"https?://(?!127\.0\.0\.1|localhost).*"), lambda r: r.abort())
    page = mobile.new_page()
    page.goto(f"{live_server.url}/?near=94103&radius=25")
    _check_page(page, "10-search-mobile", full_page=False)
    mobile.close()
