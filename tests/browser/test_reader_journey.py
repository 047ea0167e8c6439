import re

from playwright.sync_api import expect


def test_reader_filters_opens_a_case_and_follows_a_footnote(live_server, page, casebook):
    page.goto(f"{live_server.url}/cases/")
    page.get_by_role("checkbox", name=re.compile(r"^North Atlantic Treaty Organization")).check()
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
    # The reference opens in place; its full entry is one link further.
    page.get_by_role("dialog").get_by_role("link", name="Go to the full reference").click()
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    reference = page.locator(target)
    expect(reference).to_be_visible()
    expect(reference).to_be_in_viewport()
    # The reference links back to the place that cited it.
    reference.locator(".backlinks a").first.click()
    expect(page).to_have_url(re.compile(r"#cite-\d+-\d+$"))


def test_reader_opens_a_source_compares_two_cases_and_exports_csv(live_server, page, casebook):
    page.goto(f"{live_server.url}/cases/somalia-amisom/")
    page.locator(".references li a[href^='/sources/']").first.click()
    expect(page.locator("main")).to_contain_text("Cited by")
    expect(page.locator("main")).to_contain_text("Somalia")

    page.goto(f"{live_server.url}/cases/?region=africa")
    page.get_by_role("checkbox", name="Add to comparison").nth(0).check()
    page.get_by_role("checkbox", name="Add to comparison").nth(1).check()
    page.get_by_role("button", name="Compare the selected case studies").click()
    expect(page.locator(".compare-table thead th")).to_have_count(3)
    expect(page.locator(".compare-table")).to_contain_text("Peak authorised strength")

    page.goto(f"{live_server.url}/cases/?region=africa")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert text.splitlines()[0].startswith("slug,title")
    assert len(text.splitlines()) == 1 + int(page.locator(".results-count").inner_text().split()[0])
