"""The "/" key moves to the search box, except while typing in a field."""

from playwright.sync_api import expect


def test_slash_focuses_the_search_box_and_stays_text_in_a_field(live_server, page, transactional_db):
    page.goto(f"{live_server.url}/about/")
    page.keyboard.press("/")
    expect(page.locator("#header-q")).to_be_focused()
    page.keyboard.type("kosovo/kfor")
    expect(page.locator("#header-q")).to_have_value("kosovo/kfor")

    page.goto(f"{live_server.url}/search/?q=")
    page.keyboard.press("/")
    expect(page.locator("#search-q")).to_be_focused()

    page.goto(f"{live_server.url}/report/")
    page.get_by_label("What is wrong?").fill("a/b")
    page.get_by_label("What is wrong?").press("/")
    expect(page.get_by_label("What is wrong?")).to_have_value("a/b/")
    expect(page.get_by_label("What is wrong?")).to_be_focused()
