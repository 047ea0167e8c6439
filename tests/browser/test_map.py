"""The world maps in a real browser: followed by mouse and keyboard, at phone width and in print."""

import re

from playwright.sync_api import expect


def test_reader_reads_the_chart_table_and_follows_a_host_country_on_the_mission_map_by_mouse_and_keyboard(
    live_server, page, casebook
):
    page.goto(f"{live_server.url}/cases/sierra-leone-unamsil/")
    # The fatalities chart's table alternative, opened as a reader would, adds up to the total.
    fatalities = page.locator("section.fatalities")
    fatalities.get_by_text("The chart as a table").click()
    rows = fatalities.locator("table.fatalities-by-year tbody tr")
    expect(rows.first).to_be_visible()
    by_year = {
        row.locator("th").inner_text(): int(row.locator("td").inner_text().replace(",", "")) for row in rows.all()
    }
    total = int(fatalities.locator("[data-figure='fatalities-total']").inner_text().replace(",", ""))
    assert sum(by_year.values()) == total and "2000" in by_year
    bars = fatalities.locator("svg rect[aria-label]")
    expect(bars).to_have_count(len(by_year))

    host = (
        page.locator("#host-map-title")
        .locator("xpath=ancestor::*[name()='svg']")
        .get_by_role("link", name="Sierra Leone")
    )
    expect(host).to_have_count(1)
    host.click()
    expect(page).to_have_url(re.compile(r"/countries/SL/$"))
    expect(page.locator("h1")).to_have_text("Sierra Leone")
    hosted = page.locator("section[aria-labelledby='hosted-heading'] .case-card-title a")
    expect(hosted.filter(has_text="UNAMSIL")).to_have_count(1)

    # By keyboard: on another mission's page, Tab to its map's country and press Enter.
    page.goto(f"{live_server.url}/cases/kosovo-kfor/")
    link = page.locator("svg a.map-country").first
    expect(link).to_have_attribute("aria-label", "Kosovo")
    # Tab through the page until the map's link has the focus, as a keyboard user would.
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.getAttribute('aria-label')") == "Kosovo":
            break
    else:
        raise AssertionError("the map's country link never took the keyboard focus")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/countries/XK/$"))


def test_clicking_a_country_on_the_list_map_filters_by_it_and_the_map_fits_a_phone_and_prints(
    live_server, browser, page, casebook
):
    page.goto(f"{live_server.url}/cases/?organization=un")
    somalia = (
        page.locator("#host-country-map-title")
        .locator("xpath=ancestor::*[name()='svg']")
        .get_by_role("link", name=re.compile(r"^Somalia: \d+ case studies$"))
    )
    count = int(re.search(r"(\d+) case studies", somalia.get_attribute("aria-label")).group(1))
    somalia.click()
    expect(page).to_have_url(re.compile(r"organization=un.*country=SO|country=SO.*organization=un"))
    expect(page.locator(".results-count")).to_have_text(f"{count} case stud{'y' if count == 1 else 'ies'}")
    expect(page.locator(".chip", has_text="Host country: Somalia")).to_have_count(1)

    # At phone width the map fits the screen; in print the shades stay.
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(f"{live_server.url}/cases/")
    svg = page.locator("figure.world-map > svg")
    box = svg.bounding_box()
    assert box["width"] <= 360 and box["height"] > 100
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.emulate_media(media="print")
    page.goto(f"{live_server.url}/cases/sierra-leone-unamsil/")
    expect(page.locator("figure.world-map > svg")).to_be_visible()
    fill = page.evaluate("getComputedStyle(document.querySelector('figure.world-map a.map-country path')).fill")
    assert fill == "rgb(11, 92, 173)"
    page.close()
