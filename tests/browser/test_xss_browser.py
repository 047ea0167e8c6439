"""
The stored-XSS payloads of tests/xss_payloads.txt in a real browser.

Two checks. First, the pages where payloads go through the Markdown renderer (case study,
organisation and challenge pages, one per payload) and the pages that gather them all (home,
lists, comparisons), exactly as the server renders them, are parsed and run by Chromium
*without* the Content-Security-Policy: whatever markup got through would run, so no dialog may
open and no payload may set its window flag. (Pages that only escape text are checked for every
payload by tests/test_xss.py.) Then pages of every kind are loaded from the server as readers
get them, policy included: nothing runs and the policy is never violated (the site's own pages
need nothing it forbids).
"""

import re
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client
from django.utils.html import escape

from tests.test_xss import PAYLOADS, build_casebook, pages_to_check

# Runs in each document before its own scripts: what the browser reports as blocked.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline code"}`);
});
"""
# Pages that show payloads only as escaped text: one of each is loaded in step 2.
ESCAPING_ONLY = {"/cases/xss-case-N/history/", "/sources/xss-source-N/", "/search/"}
FLAG = "() => window.__xss === undefined ? null : String(window.__xss)"


@pytest.fixture
def watched_page(page, live_server):
    """The page, with dialogs, console CSP reports and errors recorded; nothing leaves the test server."""
    seen = {"dialogs": [], "console": [], "errors": []}

    def on_dialog(dialog):
        seen["dialogs"].append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "console",
        lambda message: seen["console"].append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.add_init_script(WATCH_VIOLATIONS)
    local = urlsplit(live_server.url).netloc

    def only_local(route):
        if urlsplit(route.request.url).netloc == local:
            route.continue_()
        else:
            route.abort()

    page.route("**/*", only_local)
    return page, seen


def page_type(path):
    """/cases/xss-case-7/history/ -> /cases/xss-case-N/history/; /cases/?page=2 -> /cases/"""
    return re.sub(r"\d+", "N", path.split("?")[0])


def run_without_the_policy(page, documents):
    """Each document in its own frame of one page: parsed and run as a browser would, no CSP."""
    frames = "".join(f'<iframe title="{escape(path)}" srcdoc="{escape(html)}"></iframe>' for path, html in documents)
    page.set_content(f"<!doctype html><html><head><title>Frames</title></head><body>{frames}</body></html>")
    # The frames share the page's origin: one call reads every frame's flag.
    flags = page.evaluate(
        """() => [...document.querySelectorAll("iframe")]
              .filter((frame) => frame.contentWindow.__xss !== undefined)
              .map((frame) => `${frame.title}: window.__xss = ${frame.contentWindow.__xss}`)"""
    )
    parent = page.evaluate(FLAG)
    if parent is not None:
        flags.append(f"a frame set parent.__xss = {parent}")
    return len(page.main_frame.child_frames), flags


def visit(page, url):
    response = page.goto(url)
    assert response.status == 200, url
    return page.evaluate(f"() => ({{flag: ({FLAG})(), violations: window.__cspViolations || []}})")


def test_no_stored_payload_runs_in_the_browser(live_server, watched_page, transactional_db):
    page, seen = watched_page
    build_casebook()

    # 1. The pages that render payloads as Markdown, or gather them all, run without the policy.
    client = Client()
    by_type = {}
    for path, _ in pages_to_check(len(PAYLOADS)):
        if page_type(path) in ESCAPING_ONLY:
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        by_type.setdefault(page_type(path), []).append((path, response.content.decode()))
    record_pages = {"/cases/xss-case-N/", "/organizations/xss-org-N/", "/challenges/xss-challenge-N/"}
    assert record_pages <= set(by_type)
    assert all(len(by_type[kind]) == len(PAYLOADS) for kind in record_pages)
    problems, frames = [], 0
    for documents in by_type.values():
        count, flags = run_without_the_policy(page, documents)
        frames += count
        problems += flags
    assert frames == sum(len(documents) for documents in by_type.values())
    assert not problems, "\n".join(problems)
    assert not seen["dialogs"], seen["dialogs"]

    # 2. The pages as readers get them, policy included: the home page and the lists (which
    # show every payload), one page of each other kind.
    paths = [
        path for path, _ in pages_to_check(len(PAYLOADS)) if not re.match(r"/search/|/compare/|/[a-z]+/xss-", path)
    ]
    paths += [
        "/cases/xss-case-1/",
        "/cases/xss-case-1/history/",
        "/organizations/xss-org-1/",
        "/challenges/xss-challenge-1/",
        "/sources/xss-source-1/",
        "/search/?" + urlencode({"q": "alert script click image"}),
        "/compare/?" + urlencode({"cases": ["xss-case-1", "xss-case-2", "xss-case-3", "xss-case-4"]}, doseq=True),
    ]
    assert len(paths) >= 15
    for path in paths:
        state = visit(page, live_server.url + path)
        if state["flag"] is not None:
            problems.append(f"{path}: window.__xss = {state['flag']}")
        if state["violations"]:
            problems.append(f"{path}: CSP violations {state['violations']}")
    assert not problems, "\n".join(problems)
    assert not seen["dialogs"], seen["dialogs"]
    assert not seen["console"], seen["console"]
    assert not seen["errors"], seen["errors"]


def test_the_watchers_see_a_payload_that_runs(live_server, watched_page, transactional_db):
    """The detectors themselves work, in a frame without the policy and on a page with it."""
    page, seen = watched_page
    count, flags = run_without_the_policy(
        page,
        [
            ("/runs/", "<p>x</p><script>window.__xss = 1; alert(1)</script>"),
            ("/handler/", '<img src="x" onerror="parent.__xss = 2">'),
        ],
    )
    assert count == 2
    assert flags == ["/runs/: window.__xss = 1", "a frame set parent.__xss = 2"]
    assert seen["dialogs"] == ["alert: 1"]

    page.goto(live_server.url + "/")
    # An inline handler slipped into a page served with the policy is refused, and reported.
    page.evaluate(
        """() => {
          const image = document.createElement("img");
          image.setAttribute("onerror", "window.__xss = 3");
          image.src = "/missing.png";
          document.body.append(image);
        }"""
    )
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate(FLAG) is None
    assert any("Content Security Policy" in text for text in seen["console"])


def test_the_site_itself_needs_nothing_the_policy_forbids(live_server, watched_page, casebook):
    page, seen = watched_page
    for path in ["/", "/cases/", "/cases/sierra-leone-unamsil/"]:
        state = visit(page, live_server.url + path)
        assert state["violations"] == [], path
    # The footnote preview that site.js draws is allowed too.
    page.locator(".entry-body sup.fn a").first.hover()
    page.locator("#fn-preview").wait_for()
    assert page.evaluate("() => window.__cspViolations") == []
    assert seen["console"] == []
    assert seen["errors"] == []
