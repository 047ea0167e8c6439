"""
An editor proposes a change to the published KFOR page; readers keep the published text until
a reviewer, after asking for a change, approves it; the old version stays at its permanent URL.
"""

import re

from playwright.sync_api import expect

from tests.browser.conftest import log_in


def test_editor_proposes_reviewer_returns_then_approves_readers_see_both_versions(
    live_server,
    browser,
    accounts,
    casebook,
):
    base = live_server.url
    reader = browser.new_page()
    reader.goto(f"{base}/cases/kosovo-kfor/")
    expect(reader.locator(".infobox")).not_to_contain_text("para. 99")
    old_body = reader.locator(".entry-body").inner_text()

    editor = browser.new_context().new_page()
    log_in(editor, base, "edith")
    editor.goto(f"{base}/admin/cases/casestudy/?q=KFOR")
    editor.get_by_role("link", name=re.compile("Kosovo: ")).first.click()
    expect(editor.locator(".proposal-box")).to_contain_text("kept as a proposed change for a reviewer")
    body = editor.locator("#id_body")
    body.fill(body.input_value() + "\n\nA sentence the editor proposes to add. [[cite:unsc-res-1244-1999]]")
    editor.locator("#id_cases-citation-content_type-object_id-0-locator").fill("para. 99")
    editor.locator("#id_change_summary").fill("Adds a sentence and a paragraph number")
    editor.get_by_role("button", name="Save and submit for review").click()
    expect(editor.locator(".messagelist")).to_contain_text("submitted for review")

    # Readers still see the published text.
    reader.reload()
    expect(reader.locator(".entry-body")).not_to_contain_text("the editor proposes to add")

    reviewer = browser.new_context().new_page()
    log_in(reviewer, base, "rafael")
    reviewer.goto(f"{base}/admin/attention/")
    reviewer.locator("#proposals + ul a", has_text="Kosovo").click()
    expect(reviewer.locator(".proposal-review")).to_contain_text("Adds a sentence and a paragraph number")
    expect(reviewer.locator(".changes")).to_contain_text("the editor proposes to add")
    reviewer.locator("#comment").fill("Say which operative paragraph supports the sentence.")
    reviewer.get_by_role("button", name="Request changes to").click()
    expect(reviewer.locator(".messagelist")).to_contain_text("Returned to edith")

    editor.goto(editor.url)
    expect(editor.locator(".review-comment")).to_contain_text("Say which operative paragraph")
    body = editor.locator("#id_body")
    body.fill(body.input_value().replace("[[cite:unsc-res-1244-1999]]", "[[cite:unsc-res-1244-1999|para. 7]]"))
    editor.get_by_role("button", name="Save and submit for review").click()
    expect(editor.locator(".messagelist")).to_contain_text("submitted for review")

    reviewer.reload()
    reviewer.get_by_role("button", name="Approve and publish").click()
    expect(reviewer.locator(".messagelist")).to_contain_text("Approved")

    reader.reload()
    expect(reader.locator(".entry-body")).to_contain_text("the editor proposes to add")
    expect(reader.locator(".infobox")).to_contain_text("para. 99")
    reader.goto(f"{base}/cases/kosovo-kfor/history/")
    versions = reader.locator("a[href*='/cases/kosovo-kfor/v/']")
    expect(versions).to_have_count(2)
    reader.goto(f"{base}/cases/kosovo-kfor/v/1/")
    expect(reader.locator("body")).to_contain_text("earlier version")
    expect(reader.locator(".entry-body")).not_to_contain_text("the editor proposes to add")
    assert reader.locator(".entry-body").inner_text().strip()[:200] == old_body.strip()[:200]
    expect(reader.locator(".infobox")).not_to_contain_text("para. 99")
