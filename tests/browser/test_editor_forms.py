"""The add form: "Save and submit for review" in view without scrolling; dates typed in words; errors at the field."""

from playwright.sync_api import expect

from tests.browser.conftest import log_in


def test_add_form_keeps_submit_for_review_in_view_and_explains_dates_at_the_field(live_server, browser, accounts):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log_in(page, live_server.url, "edith")
    page.goto(f"{live_server.url}/admin/cases/casestudy/add/")
    submit = page.get_by_role("button", name="Save and submit for review")
    # In view on arrival, and still after scrolling halfway down the long form.
    expect(submit).to_be_in_viewport()
    page.mouse.wheel(0, 2500)
    expect(submit).to_be_in_viewport()
    expect(page.locator("input[name=_save]")).to_be_in_viewport()

    page.locator("#id_title").fill("Liberia: the United Nations Mission (UNMIL)")
    page.locator("#id_start_date").fill("19/09/2003")
    page.locator("input[name=_save]").click()
    error = page.locator(".field-start_date .errorlist")
    expect(error).to_contain_text("8 July 2011, 8 Jul 2011 or 2011-07-08")
    expect(page.locator("#id_start_date")).to_have_value("19/09/2003")

    page.locator("#id_start_date").fill("19 September 2003")
    page.locator("input[name=_save]").click()
    expect(page.locator(".field-start_date .errorlist")).to_have_count(0)
    context.close()


def test_on_a_phone_the_add_form_offers_submit_for_review_before_any_scrolling(live_server, browser, accounts):
    context = browser.new_context(viewport={"width": 375, "height": 667})
    page = context.new_page()
    log_in(page, live_server.url, "edith")
    page.goto(f"{live_server.url}/admin/cases/casestudy/add/")
    # At the top of the form, as at its foot.
    submit = page.get_by_role("button", name="Save and submit for review").first
    expect(submit).to_be_in_viewport()
    assert page.evaluate("window.scrollY") == 0
    context.close()
