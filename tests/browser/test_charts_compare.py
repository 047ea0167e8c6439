"""The strength charts and the compare page in Chromium: phone widths, print, axe."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

COMPARE = "/compare/?cases=sierra-leone-unamsil&cases=somalia-amisom"
CASE = "/cases/sierra-leone-unamsil/"


def overflows(page):
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def test_compare_stacks_on_a_phone_and_its_charts_fit(live_server, browser, casebook):
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(live_server.url + COMPARE)
    assert not overflows(page)
    # Each fact's values stack under the fact, each under its mission's name.
    start = page.locator(".compare-table tr", has_text="Start").first
    cells = start.locator("td")
    expect(cells.first.locator(".cell-case")).to_have_text("UNAMSIL")
    expect(cells.nth(1).locator(".cell-case")).to_have_text("AMISOM")
    first, second = cells.first.bounding_box(), cells.nth(1).bounding_box()
    assert second["y"] >= first["y"] + first["height"] - 1 and abs(second["x"] - first["x"]) < 1
    expect(page.locator(".compare-table thead")).to_be_hidden()
    charts = page.locator(".compare-chart svg.chart-svg")
    expect(charts).to_have_count(2)
    for index in range(2):
        box = charts.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    # The picker is folded away, and opens to change the selection.
    expect(page.get_by_role("checkbox", name="Sierra Leone: the United Nations Mission (UNAMSIL)")).to_be_hidden()
    page.get_by_text("Change the selection (2 chosen)").click()
    expect(page.get_by_role("checkbox", name="Sierra Leone: the United Nations Mission (UNAMSIL)")).to_be_checked()
    page.close()


def test_compare_side_by_side_on_a_wide_screen(live_server, browser, casebook):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + COMPARE)
    expect(page.locator(".compare-table thead th")).to_have_count(3)
    expect(page.locator(".cell-case").first).to_be_hidden()
    charts = page.locator(".compare-chart")
    left, right = charts.first.bounding_box(), charts.nth(1).bounding_box()
    assert abs(left["y"] - right["y"]) < 1 and right["x"] > left["x"] + left["width"] - 1
    page.close()


def test_chart_point_leads_to_its_reference_and_prints(live_server, browser, casebook):
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(live_server.url + CASE)
    chart = page.locator("#strength ~ figure svg.chart-svg, section[aria-labelledby=strength] svg.chart-svg").first
    box = chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and not overflows(page)
    point = chart.locator("a").first
    href = point.get_attribute("href")
    point.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + CASE + href)
    expect(page.locator(href)).to_be_in_viewport()
    page.emulate_media(media="print")
    expect(chart).to_be_visible()
    expect(page.locator("section[aria-labelledby=strength] table")).to_be_visible()
    page.close()


def test_no_axe_violations_on_charts_and_compare(live_server, browser, casebook):
    axe = Axe()
    problems = []
    for width in (360, 1280):
        page = browser.new_page(viewport={"width": width, "height": 800})
        for path in [CASE, COMPARE, "/compare/", "/compare/?cases=kosovo-kfor", "/compare/?compare=1"]:
            assert page.goto(live_server.url + path).status == 200
            page.locator("details.chart-table summary").evaluate_all("els => els.forEach(el => el.click())")
            for violation in axe.run(page).response["violations"]:
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{width}px {path}: {violation['id']} ({violation['impact']}) {targets}")
        page.close()
    assert not problems, "\n".join(problems)
