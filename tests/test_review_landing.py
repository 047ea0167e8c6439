"""A reviewer who opens a record with a change waiting for review is pointed to its review page."""

import pytest
import reversion
from django.urls import reverse

from cases.models import Proposal
from tests.factories import make_case, make_country, make_source
from tests.test_editorial import propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def kfor(reviewer):
    make_source(key="unsc-res-1244-1999")
    case = make_case(
        "kosovo-kfor",
        title="Kosovo (KFOR)",
        summary="NATO's force entered Kosovo in June 1999. [[cite:unsc-res-1244-1999]]",
        countries=[make_country("XK", "Kosovo", region="europe")],
    )
    with reversion.create_revision():
        reversion.set_user(reviewer)
        reversion.add_to_revision(case)
    return case


def test_the_record_form_links_a_reviewer_to_the_submitted_proposal(client, editor, reviewer, kfor):
    client.force_login(editor)
    propose(client, kfor, submit=True, change_summary="Adds the date of entry", summary=kfor.summary + " More.")
    proposal = Proposal.objects.get()
    client.force_login(reviewer)
    form = client.get(reverse("admin:cases_casestudy_change", args=[kfor.pk])).content.decode()
    review_url = reverse("admin:cases_proposal_change", args=[proposal.pk])
    assert f'<a href="{review_url}">Review the proposal' in form
    assert "editor proposed a change to this page" in form
    # The review page: who, the note, the differences, and the two decisions.
    review = client.get(review_url).content.decode()
    assert "Proposed by <strong>editor</strong>" in review
    assert "Adds the date of entry" in review
    assert "Approve and publish" in review and "Request changes to" in review
    # And the attention board and the proposals list lead there too.
    assert review_url in client.get(reverse("attention")).content.decode()
    assert review_url in client.get(reverse("admin:cases_proposal_changelist")).content.decode()


def test_an_unsubmitted_proposal_does_not_call_the_reviewer(client, editor, reviewer, kfor):
    client.force_login(editor)
    propose(client, kfor, summary=kfor.summary + " More.")
    client.force_login(reviewer)
    form = client.get(reverse("admin:cases_casestudy_change", args=[kfor.pk])).content.decode()
    assert "Review the proposal" not in form


@pytest.fixture
def submitted_draft(client, editor):
    make_source(key="unsc-res-1509-2003")
    case = make_case(
        "liberia-unmil",
        title="Liberia (UNMIL)",
        summary="Set up in September 2003. [[cite:unsc-res-1509-2003]]",
        status="draft",
    )
    case.transition_to("review", user=editor)
    return case


def test_a_reviewer_lands_on_a_review_page_for_a_new_record_and_publishes_it(client, reviewer, submitted_draft):
    client.force_login(reviewer)
    review_url = reverse("admin:cases_casestudy_review", args=[submitted_draft.pk])
    # The attention board and the record's form lead there.
    assert review_url in client.get(reverse("attention")).content.decode()
    assert review_url in client.get(reverse("admin:cases_casestudy_change", args=[submitted_draft.pk])).content.decode()
    page = client.get(review_url).content.decode()
    assert "Submitted for review by <strong>editor</strong>" in page
    assert "Set up in September 2003." in page  # all of it, as an addition
    assert "Request changes (return to draft)" in page and ">Publish<" in page
    response = client.post(review_url, {"decision": "published"})
    submitted_draft.refresh_from_db()
    assert submitted_draft.status == "published"
    assert response["Location"] == reverse("admin:cases_casestudy_change", args=[submitted_draft.pk])


def test_returning_a_new_record_needs_a_comment_kept_in_its_history(client, reviewer, submitted_draft):
    client.force_login(reviewer)
    review_url = reverse("admin:cases_casestudy_review", args=[submitted_draft.pk])
    client.post(review_url, {"decision": "draft", "comment": ""})
    submitted_draft.refresh_from_db()
    assert submitted_draft.status == "review"  # no comment, no decision
    client.post(review_url, {"decision": "draft", "comment": "Cite the report for the start date."})
    submitted_draft.refresh_from_db()
    assert submitted_draft.status == "draft"
    history = client.get(reverse("admin:cases_casestudy_history", args=[submitted_draft.pk])).content.decode()
    assert "Returned to draft: Cite the report for the start date." in history


def test_an_editor_cannot_publish_from_the_review_page(client, editor, submitted_draft):
    client.force_login(editor)
    client.post(reverse("admin:cases_casestudy_review", args=[submitted_draft.pk]), {"decision": "published"})
    submitted_draft.refresh_from_db()
    assert submitted_draft.status == "review"
