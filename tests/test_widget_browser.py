"""The chat widget in a real headless Chromium (Debian's), driven by Playwright, against a real server over the
fixture index.

Screenshots are saved under test-artifacts/ (desktop and 360 px)."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from boligassistent.service.security import KeyStore
from tests.conftest import start_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ADMIN = "widget-admin-key-0123456789abcdef"
pytestmark = pytest.mark.browser

if CHROMIUM is None:
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")


@pytest.fixture(scope="module")
def widget_server(tmp_path_factory, fixture_settings, fixture_runtime):
    tmp = tmp_path_factory.mktemp("widget")
    settings = fixture_settings.model_copy(update={"state_db": tmp / "state.sqlite3", "admin_key": ADMIN,
                                                   "rate_limit_per_minute": 0})
    keys = KeyStore(settings.state_db)
    # The origin is only known once the server has a port, so this widget key has no origin list;
    # the origin check itself is covered in tests/test_api.py.
    _, widget_key = keys.create("demo-widget", ["query"])
    settings = settings.model_copy(update={"demo_widget_key": widget_key})
    server, _ = start_server(settings, fixture_runtime)
    with server:
        yield server.url, settings


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                                    "--disable-background-networking",
                                    "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def _ask_via_example(page, text: str):
    page.get_by_role("button", name=text).click()
    page.wait_for_selector(".bot .actions", timeout=30_000)


def test_demo_page_answer_with_citation_source_and_feedback(widget_server, browser):
    url, settings = widget_server
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url + "/")
    dialog = page.get_by_role("dialog", name="Boligassistent")
    assert dialog.is_visible()
    _ask_via_example(page, "Kan en student få bostøtte?")
    answer = page.locator(".bot").last
    assert "testlova § 2" in answer.inner_text()
    assert page.locator("[role=log]").get_attribute("aria-live") == "polite"
    page.screenshot(path=str(ARTIFACTS / "widget-desktop.png"))
    # host-page CSS (hotpink buttons, 30px) must not leak into the widget
    bg = page.locator(".bot .actions button").first.evaluate("b => getComputedStyle(b).backgroundColor")
    assert bg != "rgb(255, 105, 180)"
    # open the cited source
    page.locator(".sources .chip", has_text="testlova § 2").first.click()
    source = page.get_by_role("region", name="Kilde")
    source.get_by_role("link", name="Åpne på lovdata.no").wait_for(timeout=10_000)
    assert "Studentar som ikkje har barn" in source.inner_text()
    assert source.get_by_role("link", name="Åpne på lovdata.no").get_attribute("href").startswith("https://lovdata.no/lov/2099-01-01-1")
    page.screenshot(path=str(ARTIFACTS / "widget-source.png"))
    page.get_by_role("button", name="← Tilbake til svaret").click()
    # feedback is stored
    page.get_by_role("button", name="Nyttig svar", exact=True).click()
    page.get_by_text("Takk for tilbakemeldingen!").wait_for(timeout=10_000)
    export = httpx.get(url + "/v1/feedback/export", headers={"Authorization": f"Bearer {ADMIN}"}).text
    assert '"rating": "up"' in export
    page.close()


def test_out_of_domain_shows_abstention_state(widget_server, browser):
    url, _ = widget_server
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(url + "/")
    box = page.get_by_label("Ditt spørsmål")
    box.fill("Har du en god oppskrift på fiskesuppe?")
    box.press("Enter")
    page.get_by_text("Finner ikke svar i kildene").first.wait_for(timeout=30_000)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360  # no horizontal scrolling at 360 px
    page.screenshot(path=str(ARTIFACTS / "widget-360px.png"))
    page.close()


def test_keyboard_only_flow(widget_server, browser):
    url, _ = widget_server
    page = browser.new_page(viewport={"width": 1024, "height": 800})
    page.goto(url + "/")
    active = ("() => { const r = document.getElementById('boligassistent-widget').shadowRoot; "
              "return r.activeElement && (r.activeElement.id || r.activeElement.textContent); }")
    for _ in range(30):  # Tab from the top of the page until the question box has focus
        page.keyboard.press("Tab")
        if page.evaluate(active) == "ba-question":
            break
    assert page.evaluate(active) == "ba-question"
    page.keyboard.type("Kan en student få bostøtte?")
    page.keyboard.press("Enter")
    page.wait_for_selector(".bot .actions", timeout=30_000)
    assert page.evaluate(active) == "ba-question"  # focus returns to the question box
    page.keyboard.press("Shift+Tab")  # back into the answer's controls
    for _ in range(40):
        label = page.evaluate(active) or ""
        if label.startswith("[") and "]" in label:
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.get_by_role("region", name="Kilde").wait_for(timeout=10_000)
    page.keyboard.press("Escape")
    assert page.get_by_role("region", name="Kilde").is_hidden()
    page.keyboard.press("Escape")  # closes the panel; focus goes back to the launcher
    assert page.evaluate(active) == "Spør boligassistenten"
    page.close()


def test_offline_error_state(widget_server, browser):
    url, _ = widget_server
    page = browser.new_page()
    page.goto(url + "/")
    page.route("**/v1/chat/stream", lambda route: route.abort())
    box = page.get_by_label("Ditt spørsmål")
    box.fill("Kan en student få bostøtte?")
    box.press("Enter")
    page.get_by_text("Du ser ut til å være frakoblet").wait_for(timeout=10_000)
    page.close()


def test_conversation_survives_reload_in_same_tab_and_new_conversation_clears(widget_server, browser):
    url, _ = widget_server
    page = browser.new_page()
    page.goto(url + "/")
    _ask_via_example(page, "Kan jeg dele opplysninger med kommunen uten samtykke?")
    page.reload()
    page.wait_for_selector(".bot .actions", timeout=10_000)
    assert page.locator(".msg.user").count() == 1
    page.get_by_role("button", name="Ny samtale").click()
    assert page.locator(".msg.user").count() == 0 and page.get_by_role("button", name="Kan en student få bostøtte?").is_visible()
    page.close()
