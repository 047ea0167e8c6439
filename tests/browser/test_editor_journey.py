from playwright.sync_api import expect

from tests.browser.conftest import log_in


def test_editor_creates_and_submits_reviewer_publishes_reader_sees(live_server, browser, accounts):
    base = live_server.url
    csp_violations = []

    context = browser.new_context()
    page = context.new_page()
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_violations.append(m.text))
    log_in(page, base, "edith")
    page.goto(f"{base}/admin/cases/casestudy/add/")
    page.locator("#id_title").fill("Liberia: the United Nations Mission (UNMIL)")
    page.locator("#id_mission_name").fill("United Nations Mission in Liberia")
    page.locator("#id_acronym").fill("UNMIL")
    page.locator("#id_region").select_option("africa")
    page.locator(".field-countries .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Liber")
    page.locator(".select2-results__option", has_text="Liberia").click()
    page.locator("#id_mandate_type").select_option("multidimensional")
    page.locator("#id_start_date").fill("2003-09-19")
    page.locator("#id_end_date").fill("2018-03-30")
    page.locator("#id_outcome").select_option("completed")
    page.locator("#id_summary").fill("The Council set up UNMIL in 2003. [[cite:unsc-res-1509-2003]]")
    page.locator("#id_body").fill(
        "## Establishment\n\nUp to 15,000 military personnel. [[cite:unsc-res-1509-2003|para. 1]]"
    )
    page.locator(".field-body .markdown-preview-button").click()
    expect(page.locator(".field-body .markdown-preview")).to_contain_text("Up to 15,000 military personnel")
    expect(page.locator(".field-body .markdown-preview")).to_contain_text("Resolution 1509 (2003)")
    page.locator("#timeline_events-group .add-row a").click()
    page.locator("#id_timeline_events-0-date").fill("2003-09-19")
    page.locator("#id_timeline_events-0-title").fill("Security Council establishes UNMIL")
    page.locator("#id_timeline_events-0-description").fill("Resolution 1509 adopted. [[cite:unsc-res-1509-2003]]")
    # The infobox facts are not cited yet: the editor marks them unverified, as the gate asks.
    for fact in page.locator("input[name=unverified_facts]").all():
        fact.check()
    page.locator("#id_change_summary").fill("First draft")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    # Preview at the public address, as staff, with the draft banner.
    preview = context.new_page()
    preview.goto(f"{base}/cases/liberia-the-united-nations-mission-unmil/")
    expect(preview.locator(".draft-banner")).to_contain_text("not public")
    preview.close()
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("it is now in review")
    context.close()

    reader = browser.new_page()
    reader.goto(f"{base}/cases/liberia-the-united-nations-mission-unmil/")
    expect(reader.locator("h1")).to_contain_text("Page not found")

    context = browser.new_context()
    page = context.new_page()
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_violations.append(m.text))
    log_in(page, base, "rafael")
    page.goto(f"{base}/admin/attention/")
    page.locator("#waiting + ul a", has_text="UNMIL").click()
    # The review page: all of it, who submitted it, and the decisions.
    expect(page.locator("#content-main")).to_contain_text("Submitted for review by edith")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("it is now published")
    context.close()

    reader.goto(f"{base}/cases/")
    reader.locator(".case-card-title a", has_text="UNMIL").click()
    expect(reader.locator("h1")).to_contain_text("UNMIL")
    expect(reader.locator(".timeline")).to_contain_text("Security Council establishes UNMIL")
    expect(reader.locator(".references")).to_contain_text("Resolution 1509 (2003)")
    reader.goto(f"{base}/cases/liberia-the-united-nations-mission-unmil/history/")
    expect(reader.locator("main")).to_contain_text("First published version")
    assert not csp_violations, csp_violations
