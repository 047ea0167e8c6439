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
