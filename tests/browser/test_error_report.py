"""A reader reports an error from a case study's page, on a phone and a desktop; the sixth report in a minute waits."""

import pytest
import reversion
from django.core.cache import cache
from playwright.sync_api import expect

from cases.models import ErrorReport
from cases.reports import REPORTS_PER_WINDOW
from tests.factories import make_case


@pytest.fixture
def kosovo(transactional_db, settings):
    # The rate limit lives in the cache: the server under test needs one that keeps what it is given.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "browser"}}
    cache.clear()
    case = make_case("kosovo-kfor", title="Kosovo (KFOR)")
    with reversion.create_revision():
        case.save()
        reversion.add_to_revision(case)
    return case


def report_from_the_case_page(page, base, message):
    page.goto(f"{base}/cases/kosovo-kfor/")
    page.get_by_role("link", name="Report an error or suggest a source").click()
    expect(page.locator("main")).to_contain_text("Kosovo (KFOR), version 1")
    page.get_by_label("What is wrong?").fill(message)
    page.get_by_label("A source (optional)").fill("S/RES/1244 (1999), para. 7")
    page.get_by_role("button", name="Send the report").click()


@pytest.mark.parametrize("width", [375, 1280])
def test_a_report_sent_from_a_case_page_is_stored_and_confirmed(live_server, browser, kosovo, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    csp_violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_violations.append(m.text))
    page.goto(f"{live_server.url}/report/?page=/cases/kosovo-kfor/")
    # The honeypot is off-screen: a person never sees it.
    expect(page.locator(".hp-field input")).not_to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    report_from_the_case_page(page, live_server.url, f"The start date is wrong (sent at {width} px).")

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your report was received")
    page.get_by_role("link", name="Back to the page you were reading").click()
    expect(page.locator("h1")).to_contain_text("Kosovo (KFOR)")
    report = ErrorReport.objects.get()
    assert report.message == f"The start date is wrong (sent at {width} px)."
    assert (report.page, report.record, report.version_number) == ("/cases/kosovo-kfor/", kosovo, 1)
    assert not csp_violations, csp_violations
    context.close()


def test_the_sixth_report_in_a_minute_is_refused_and_keeps_the_text(live_server, page, kosovo):
    for n in range(1, REPORTS_PER_WINDOW + 1):
        report_from_the_case_page(page, live_server.url, f"Report number {n}.")
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your report was received")

    response = None

    def remember(r):
        nonlocal response
        if r.request.method == "POST":
            response = r

    page.on("response", remember)
    report_from_the_case_page(page, live_server.url, "Report number six.")
    expect(page.get_by_role("alert")).to_contain_text("Wait a minute, then send it again")
    expect(page.get_by_label("What is wrong?")).to_have_value("Report number six.")
    assert response is not None and response.status == 429
    assert ErrorReport.objects.count() == REPORTS_PER_WINDOW
