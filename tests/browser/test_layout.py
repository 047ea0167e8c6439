"""Responsive from 360 to 1440 px, a usable filter panel on a phone, and a clean printout."""

import re

from playwright.sync_api import expect

PAGES = [
    "/",
    "/cases/",
    "/cases/kosovo-kfor/",
    "/countries/SO/",
    "/countries/",
    "/compare/?cases=kosovo-kfor&cases=somalia-amisom",
    "/sources/",
    "/about/methodology/",
    "/downloads/",
    "/api/v1/docs/",
    "/api/v1/docs/explorer/",
]
WIDTHS = [360, 768, 1024, 1440]


def test_no_horizontal_scrolling_at_any_width(live_server, browser, casebook):
    overflowing = []
    for width in WIDTHS:
        page = browser.new_page(viewport={"width": width, "height": 800})
        for path in PAGES:
            page.goto(live_server.url + path)
            if page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth"):
                overflowing.append(f"{path} at {width}px")
        page.close()
    assert not overflowing


def test_filter_panel_folds_away_on_a_phone_and_still_works(live_server, browser, casebook):
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(live_server.url + "/cases/")
    panel = page.locator(".filters-panel")
    expect(panel).not_to_have_attribute("open", "")
    expect(page.locator(".case-card").first).to_be_in_viewport()
    panel.locator("summary").first.click()
    page.get_by_role("checkbox", name=re.compile(r"^Europe \(")).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".chip")).to_contain_text("Region: Europe")
    cards = page.locator(".case-card").all_inner_texts()
    assert cards and all(" · Europe · " in card for card in cards)
    page.close()


def test_printed_case_study_keeps_references_and_addresses_without_navigation(live_server, browser, casebook):
    page = browser.new_page()
    page.goto(live_server.url + "/cases/sierra-leone-unamsil/")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".breadcrumbs")).to_be_hidden()
    expect(page.locator(".references")).to_be_visible()
    expect(page.locator(".references a.external").first).to_be_visible()
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    page.close()
