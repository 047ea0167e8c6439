import re

from playwright.sync_api import expect


def test_reader_filters_opens_a_case_and_follows_a_footnote(live_server, page, casebook):
    page.goto(f"{live_server.url}/cases/")
    page.get_by_label("Organisation").select_option("nato")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"organization=nato"))
    results = page.locator(".case-card-title a")
    expect(results.filter(has_text="KFOR")).to_have_count(1)
    for title in results.all_inner_texts():
        assert "UNAMSIL" not in title and "AMISOM" not in title

    results.filter(has_text="KFOR").click()
    expect(page.locator("h1")).to_contain_text("Kosovo")

    marker = page.locator(".entry-body sup.fn a").first
    target = marker.get_attribute("href")
    marker.click()
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    reference = page.locator(target)
    expect(reference).to_be_visible()
    expect(reference).to_be_in_viewport()
    # The reference links back to the place that cited it.
    reference.locator(".backlinks a").first.click()
    expect(page).to_have_url(re.compile(r"#cite-\d+-\d+$"))
