"""What a reader meets on a phone (375 px) and a desktop (1280 px): footnotes, filters, contents."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

WIDTHS = [375, 1280]
CASE = "/cases/sierra-leone-unamsil/"


@pytest.fixture
def sized_page(browser, request):
    def open_page(width, **options):
        context = browser.new_context(viewport={"width": width, "height": 800}, **options)
        request.addfinalizer(context.close)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    return open_page


@pytest.mark.parametrize("width", WIDTHS)
def test_a_footnote_opens_in_place_and_closes_by_tap_and_by_keyboard(live_server, sized_page, casebook, width):
    page = sized_page(width, has_touch=width < 600)
    page.goto(live_server.url + CASE)
    marker = page.locator(".entry-body sup.fn a").first
    box = marker.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24, f"tap target {box['width']}x{box['height']}"
    reference_id = marker.get_attribute("href")[1:]
    expected = page.locator(f"#{reference_id} .source-ref").inner_text().strip()

    marker.scroll_into_view_if_needed()
    scroll_before = page.evaluate("window.scrollY")
    if width < 600:
        marker.tap()
    else:
        marker.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(expected[:40])
    expect(dialog).to_be_in_viewport()
    # The page stayed where the reader was reading.
    assert abs(page.evaluate("window.scrollY") - scroll_before) < 50
    expect(marker).to_have_attribute("aria-expanded", "true")
    # Focus moved into the dialog; Escape closes it and gives focus back to the marker.
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(marker).to_be_focused()

    # By keyboard: Enter on the focused marker opens it, the Close button closes it.
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Enter")  # the focused Close button
    expect(page.get_by_role("dialog")).to_have_count(0)

    # A tap or click elsewhere closes it too.
    marker.click()
    expect(page.get_by_role("dialog")).to_be_visible()
    page.locator("h1").click()
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_back_links_read_as_letters_not_more_footnote_numbers(live_server, page, casebook):
    page.goto(live_server.url + CASE)
    several = page.locator(".reference-list li").filter(has=page.locator(".backlinks a:nth-of-type(2)")).first
    letters = several.locator(".backlinks a").all_inner_texts()
    assert letters[:3] == ["a", "b", "c"][: len(letters[:3])]
    assert all(re.fullmatch(r"[a-z]+", text) for text in letters)


@pytest.mark.parametrize("width", WIDTHS)
def test_filters_update_results_and_counts_without_a_reload_and_keep_the_address_clean(
    live_server, sized_page, casebook, width
):
    page = sized_page(width)
    page.goto(live_server.url + "/cases/")
    if width < 600:
        page.locator(".filters-panel > summary").click()
    page.evaluate("window.notReloaded = true")
    total = page.locator(".results-count").inner_text()
    africa = page.get_by_role("checkbox", name=re.compile(r"^Africa \("))
    africa_count = int(re.search(r"\((\d+)", africa.locator("xpath=..").text_content()).group(1))

    africa.check()
    expect(page).to_have_url(re.compile(r"/cases/\?region=africa$"))
    expect(page.locator(".results-count")).not_to_have_text(total)
    expect(page.locator(".results-count")).to_contain_text(str(africa_count))
    assert page.evaluate("window.notReloaded") is True, "the page was reloaded"
    cards = page.locator(".case-card")
    expect(cards).to_have_count(min(africa_count, 20))
    # The counts moved with the results: no option counts more than the results shown.
    for text in page.locator("#facet-mandate_type .facet-count").all_text_contents():
        assert int(re.search(r"\d+", text).group()) <= africa_count
    assert "=&" not in page.url and not page.url.endswith("=")
    assert page.get_by_role("checkbox", name=re.compile(r"^Africa \(")).is_checked()

    # Back returns to the unfiltered list, still without a reload.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(page.locator(".results-count")).to_have_text(total)
    assert page.evaluate("window.notReloaded") is True


def test_without_script_the_form_still_filters_and_the_address_has_no_empty_fields(live_server, sized_page, casebook):
    page = sized_page(375, java_script_enabled=False)
    page.goto(live_server.url + "/cases/")
    page.get_by_role("checkbox", name=re.compile(r"^Africa \(")).check()
    apply = page.get_by_role("button", name="Apply filters")
    # The button stays in view at the bottom of the screen while the panel is long.
    expect(apply).to_be_in_viewport()
    apply.click()
    assert urlsplit(page.url).query == "region=africa"
    expect(page.locator(".results-count")).to_be_visible()


def test_the_contents_stay_in_view_beside_a_long_text_on_desktop(live_server, sized_page, casebook):
    page = sized_page(1280)
    page.goto(live_server.url + CASE)
    contents = page.locator("nav.toc")
    page.locator("#references-heading").scroll_into_view_if_needed()
    expect(contents).to_be_in_viewport()
    text_box = page.locator(".entry-body").bounding_box()
    contents_box = contents.bounding_box()
    assert contents_box["x"] > text_box["x"] + text_box["width"], "the contents sit beside the text"
