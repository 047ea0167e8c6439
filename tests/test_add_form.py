"""A new record can be saved and submitted for review in one step, from buttons kept in view."""

import pytest
from django.urls import reverse

from cases.models import CaseStudy, Source, Status
from tests.factories import make_country, make_source
from tests.test_admin import case_form

pytestmark = pytest.mark.django_db


def sticky_actions(html):
    start = html.index('<div class="sticky-actions">')
    return html[start : html.index("</form>", start)]


def test_the_add_form_offers_save_and_submit_for_review_beside_the_save_buttons(client, editor):
    client.force_login(editor)
    actions = sticky_actions(client.get(reverse("admin:cases_casestudy_add")).content.decode())
    assert 'name="_save"' in actions
    assert (
        '<button type="submit" name="_transition" value="review" class="button">Save and submit for review</button>'
        in actions
    )
    assert "Save and publish" not in actions  # an editor does not publish


def test_save_and_submit_for_review_creates_the_record_in_review(client, editor):
    make_source(key="unsc-res-1509-2003")
    client.force_login(editor)
    data = case_form(countries=[make_country("LR", "Liberia").pk], unverified_facts=list(CaseStudy.CITABLE_FACTS))
    response = client.post(reverse("admin:cases_casestudy_add"), {**data, "_transition": Status.REVIEW})
    assert response.status_code == 302
    case = CaseStudy.objects.get(slug="liberia-unmil")
    assert case.status == Status.REVIEW and case.status_changed_by == editor
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("it is now in review" in m for m in messages), messages


def test_a_refused_submission_keeps_the_new_record_as_a_draft_and_says_why(client, editor):
    make_source(key="unsc-res-1509-2003")
    client.force_login(editor)
    # Nothing cited and nothing marked unverified: the citation gate refuses the submission.
    data = case_form(countries=[make_country("LR", "Liberia").pk])
    response = client.post(reverse("admin:cases_casestudy_add"), {**data, "_transition": Status.REVIEW}, follow=True)
    case = CaseStudy.objects.get(slug="liberia-unmil")
    assert case.status == Status.DRAFT
    assert "were saved; it is still draft" in response.content.decode()


def test_a_reviewer_adding_a_source_may_publish_it_at_once(client, reviewer):
    client.force_login(reviewer)
    actions = sticky_actions(client.get(reverse("admin:cases_source_add")).content.decode())
    assert "Save and publish" in actions
    response = client.post(
        reverse("admin:cases_source_add"),
        {
            "key": "unsc-res-1244-1999",
            "kind": "un_document",
            "title": "Resolution 1244 (1999)",
            "identifier": "S/RES/1244 (1999)",
            "date": "10 June 1999",
            "date_precision": "day",
            "_transition": Status.PUBLISHED,
        },
    )
    assert response.status_code == 302
    source = Source.objects.get(key="unsc-res-1244-1999")
    assert source.status == Status.PUBLISHED and str(source.date) == "1999-06-10"
