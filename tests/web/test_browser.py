"""The console in a real browser (Debian's Chromium, driven by Playwright) against a real
`brainstem serve` process, on a database made by a real ingest of the demo's logs.

Signs in, reviews a candidate with the keyboard, promotes one, finds it again by recalling
a pasted log line, watches a new candidate arrive without a reload, is refused another
tenant's candidate, and saves screenshots of the main pages under test-output/screenshots/.
Never `playwright install`: the browser is the system's (fixture chromium_bin)."""
from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.service.harness import Served, wait_for

from brainstem.demo.generator import generate
from brainstem.demo.run import RULES_DIR
from brainstem.models import iso
from brainstem.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("BRAINSTEM_SCREENSHOTS", REPO / "test-output" / "screenshots"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("console")
    db = tmp / "console.db"
    data = generate(tmp / "logs", seed=7, lines_per_day=1500)
    tokens = {}
    with Workspace(db) as ws:
        for slug, files in sorted(data.files.items()):
            ws.ingest([str(f) for f in files], tenant=slug, rules_dir=str(RULES_DIR))
        for slug in sorted(data.files):
            tokens[slug] = ws.create_key(slug, name=f"{slug}-console")[1]
        tokens["admin"] = ws.create_key("ops", name="root", admin=True)[1]
    s = Served(tmp, "[brainstem]\nweb_stream_poll_seconds = 0.3\nserve_commit_seconds = 0.1\n",
               args=("--http", "127.0.0.1:0"), db=db).start()
    s.tokens = tokens
    s.base = f"http://{s.http}"
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser(chromium_bin, tmp_path_factory):
    from playwright.sync_api import sync_playwright
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(str(profile), executable_path=chromium_bin, headless=True,
                                                   args=ARGS, viewport={"width": 1280, "height": 900})
        yield ctx
        ctx.close()


@pytest.fixture
def page(browser):
    browser.clear_cookies()
    pg = browser.new_page()
    yield pg
    pg.close()


def sign_in(page, served, who: str) -> None:
    page.goto(served.base + "/")
    assert "/login" in page.url
    page.get_by_label("API key").fill(served.tokens[who])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(served.base + "/")


def shot(page, name: str, full: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def test_sign_in_review_with_keys_promote_and_recall_by_a_pasted_line(page, served):
    sign_in(page, served, "acme")
    rows = page.locator("#list .cand")
    assert rows.count() > 5
    assert page.get_by_role("heading", name="Review queue").is_visible()
    shot(page, "queue")
    page.get_by_label("Reviewer").fill("ana")
    page.get_by_label("Note").fill("checked with the customer")
    page.keyboard.press("Escape")                      # out of the field: keys drive the queue
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    first = rows.nth(0)
    assert first.get_attribute("aria-selected") == "true" and rows.nth(1).get_attribute("aria-selected") is None
    first_id = first.get_attribute("data-id")
    page.keyboard.press("u")
    first.locator("[data-decision]").get_by_text("Useful").wait_for()
    assert "by ana" in first.locator("[data-decision]").inner_text()
    assert rows.nth(1).get_attribute("aria-selected") == "true"      # on to the next
    with Workspace(served.db) as ws:
        last = ws.reviews_of(first_id)[-1]
        assert (last.decision, last.reviewer, last.notes) == ("useful", "ana", "checked with the customer")
    # promote the selected one from the keyboard, with a lesson and a hint
    second = rows.nth(1)
    second_id = second.get_attribute("data-id")
    page.keyboard.press("p")
    dialog = page.get_by_role("dialog", name="Promote to incident memory")
    dialog.wait_for()
    dialog.get_by_label("Lesson (what we learned)").fill("the uplink SFP is failing")
    dialog.get_by_label("Runbook hint (what to do when it recurs)").fill("swap the SFP on the core switch")
    dialog.get_by_role("button", name="Promote").click()
    second.get_by_role("link", name="in memory").wait_for()
    with Workspace(served.db) as ws:
        cand = ws.store.get(second_id)
        inc_id = cand.metadata["incident_memory_id"]
        line = ws.candidate_events(second_id, limit=1).items[0].message_raw
    # recall by pasting one of its raw log lines
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Memory").click()
    page.get_by_label("Paste a log line or a message").fill(line)
    page.get_by_role("button", name="Recall").click()
    page.wait_for_url(re.compile(r".*/recall\?text="))
    hit = page.locator(f'a[href="/incidents/{inc_id}"]')
    assert hit.count() >= 1 and "the uplink SFP is failing" in page.content()
    hit.first.click()
    page.wait_for_url(served.base + f"/incidents/{inc_id}")
    assert page.get_by_label("Lesson 1").input_value() == "the uplink SFP is failing"
    assert "swap the SFP" in page.get_by_label("Hint 1").input_value()
    shot(page, "incident", full=True)
    # the reviewer's name is remembered
    page.goto(served.base + "/")
    assert page.get_by_label("Reviewer").input_value() == "ana"


def test_the_candidate_page_signatures_phone_width_and_dark(page, served):
    sign_in(page, served, "acme")
    page.locator("#list .cand a.title").first.click()
    page.wait_for_url(re.compile(r".*/candidates/cand_"))
    assert page.locator("svg.chart.timeline rect.window").count() >= 1
    assert page.locator(".bd-row").count() >= 3
    shot(page, "candidate", full=True)
    page.locator("#events").scroll_into_view_if_needed()
    later = page.get_by_role("link", name="Later →")
    if later.count():
        before = page.locator("#events-body tbody tr").first.inner_text()
        later.click()
        page.wait_for_function("b => document.querySelector('#events-body tbody tr').innerText !== b", arg=before)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Signatures").click()
    assert page.locator("svg.spark").count() >= 10
    page.get_by_label("Sort").select_option("last_seen")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r".*sort=last_seen"))
    shot(page, "signatures")
    # a phone: nothing wider than the screen
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(served.base + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "queue-phone")
    page.goto(served.base + page.locator("#list .cand a.title").first.get_attribute("href"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # dark: by the system's preference, and by the toggle
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(color_scheme="dark")
    page.reload()
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg == "rgb(18, 21, 26)", bg
    shot(page, "candidate-dark")
    page.get_by_role("button", name="Dark or light theme").click()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(246, 247, 249)"
    page.reload()               # the choice stays
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    page.emulate_media(color_scheme="light")


def test_a_new_candidate_appears_without_a_reload(page, served):
    sign_in(page, served, "acme")
    with Workspace(served.db) as ws:
        last = max(s.last_seen_at for s in ws.signature_page("acme", limit=1, order="last_seen").items)
    at = last + timedelta(hours=1)
    events = [{"timestamp": iso(at + timedelta(seconds=15 * i)), "host": f"edge{i:02d}", "severity": "error",
               "service": "kernel", "message": "zorblax0: link watchdog fired, resetting adapter"} for i in range(8)]
    page.wait_for_timeout(500)           # the page's stream is open
    r = httpx.post(served.base + "/api/v1/ingest/events", json=events,
                   headers={"Authorization": f"Bearer {served.tokens['acme']}"}, timeout=30)
    assert r.status_code == 200 and r.json()["accepted"] == 8, r.text
    page.locator("#list .cand", has_text="zorblax0").wait_for(timeout=20000)
    assert "new candidate" in page.locator("#live").inner_text()
    assert page.locator("#list .cand.fresh").count() >= 1


def test_another_tenants_candidate_is_refused_in_the_browser(page, served):
    with Workspace(served.db) as ws:
        theirs = ws.candidates("globex", limit=1)[0]
        their_hosts = ws.hostnames("globex")
    sign_in(page, served, "acme")
    resp = page.goto(served.base + f"/candidates/{theirs.candidate_id}")
    assert resp.status == 403
    text = page.locator("main").inner_text()
    assert "belongs to another tenant" in text and theirs.title not in page.content()
    assert not [h for h in their_hosts if h in page.content()]
    assert page.goto(served.base + "/?tenant=globex").status == 403
    # the queue itself holds nothing of theirs either
    page.goto(served.base + "/")
    assert not [h for h in their_hosts if h in page.content()]


def test_an_admin_switches_tenants_from_the_header(page, served):
    with Workspace(served.db) as ws:
        theirs = {c.candidate_id for c in ws.candidates("globex", limit=10000)}
    sign_in(page, served, "admin")
    page.get_by_label("Tenant").select_option("globex")
    page.wait_for_load_state()
    page.locator("#list .cand").first.wait_for()
    shown = {x.get_attribute("data-id") for x in page.locator("#list .cand").all()}
    assert shown and shown <= theirs
    assert page.get_by_label("Tenant").input_value() == "globex"


def test_screenshots_were_saved():
    """The README shows two of these (docs/img/); the rest are for people reviewing a change."""
    names = {p.stem for p in SHOTS.glob("*.png")} if SHOTS.is_dir() else set()
    if not names:
        pytest.skip("no browser run in this session")
    assert {"queue", "candidate", "signatures", "incident", "queue-phone", "candidate-dark"} <= names, names
