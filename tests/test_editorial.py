"""
The editorial model: editors propose changes to published pages, reviewers approve them or
return them with a comment; nothing readers see changes without review; a page citing what
readers cannot check does not go live.
"""

import pytest
import reversion
from django.contrib.auth.models import Group, User
from django.contrib.messages import get_messages
from django.urls import reverse

from cases import editorial, history
from cases.models import CaseStudy, Country, Proposal, Source, Status, TimelineEvent, TransitionNotAllowed
from tests.admin_forms import form_fields
from tests.factories import cite, make_case, make_country, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def kfor(reviewer):
    source = make_source(key="unsc-res-1244-1999", title="Resolution 1244 (1999)")
    case = make_case(
        "kosovo-kfor",
        title="Kosovo (KFOR)",
        summary="NATO's force entered Kosovo in June 1999. [[cite:unsc-res-1244-1999]]",
        countries=[make_country("XK", "Kosovo", region="europe")],
    )
    with reversion.create_revision():
        reversion.set_user(reviewer)
        reversion.add_to_revision(case)
    return case, source


def change_form(client, case):
    response = client.get(reverse("admin:cases_casestudy_change", args=[case.pk]))
    assert response.status_code == 200
    data, _ = form_fields(response.content.decode())
    return data


def propose(client, case, submit=False, **changes):
    data = change_form(client, case)
    data.update(changes)
    if submit:
        data["_submit_proposal"] = "1"
    return client.post(reverse("admin:cases_casestudy_change", args=[case.pk]), data, follow=True)


def public_text(client, case):
    return client.get(case.get_absolute_url()).content.decode()


def messages_of(response):
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


def test_an_editors_change_to_a_published_page_waits_for_review(client, editor, reviewer, kfor):
    case, source = kfor
    versions = history.versions_of(case).count()
    client.force_login(editor)
    response = propose(
        client,
        case,
        summary="NATO's force entered Kosovo on 12 June 1999. [[cite:unsc-res-1244-1999]]",
        **{
            "cases-citation-content_type-object_id-TOTAL_FORMS": "1",
            "cases-citation-content_type-object_id-0-field": "start_date",
            "cases-citation-content_type-object_id-0-source": str(source.pk),
            "cases-citation-content_type-object_id-0-locator": "para. 7",
        },
    )
    assert "is a proposal, saved, not yet submitted" in messages_of(response)
    case.refresh_from_db()
    assert "12 June" not in case.summary and not case.citations.exists()
    assert history.versions_of(case).count() == versions
    client.logout()
    assert "12 June" not in public_text(client, case)

    # The editor comes back to their proposal, not to the published text, and submits it.
    client.force_login(editor)
    assert "12 June" in change_form(client, case)["summary"]
    proposal = Proposal.objects.get()
    submitted = client.post(
        reverse("admin:cases_proposal_change", args=[proposal.pk]), {"action": "submitted", "note": "Exact date"}
    )
    assert submitted.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.SUBMITTED and proposal.note == "Exact date"

    # The reviewer sees who, when, the note and the differences from the live page.
    client.force_login(reviewer)
    review = client.get(reverse("admin:cases_proposal_change", args=[proposal.pk])).content.decode()
    assert "Proposed by <strong>editor</strong>" in review and "Exact date" in review
    assert "<ins>12 </ins>" in review.replace("<ins>12</ins><ins> </ins>", "<ins>12 </ins>") or "12" in review
    assert "Citations" in review and "start_date" in review

    # Changes requested, with a comment the editor sees.
    client.post(
        reverse("admin:cases_proposal_change", args=[proposal.pk]),
        {"action": "returned", "comment": "Cite the paragraph on deployment."},
    )
    client.force_login(editor)
    page = client.get(reverse("admin:cases_casestudy_change", args=[case.pk])).content.decode()
    assert "Cite the paragraph on deployment." in page and "changes requested" in page
    propose(
        client,
        case,
        submit=True,
        summary="NATO's force entered Kosovo on 12 June 1999. [[cite:unsc-res-1244-1999|para. 7]]",
    )
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.SUBMITTED

    client.force_login(reviewer)
    approved = client.post(
        reverse("admin:cases_proposal_change", args=[proposal.pk]), {"action": "approved"}, follow=True
    )
    assert "Approved" in messages_of(approved)
    client.logout()
    assert "12 June" in public_text(client, case)
    case.refresh_from_db()
    assert case.status == Status.PUBLISHED
    assert case.citations.get().field == "start_date"
    latest = history.versions_of(case).first()
    assert latest.revision.user == reviewer and "Proposed by editor" in latest.revision.get_comment()


def test_new_inline_rows_of_a_proposal_are_created_on_approval(client, editor, reviewer, kfor):
    case, source = kfor
    client.force_login(editor)
    propose(
        client,
        case,
        submit=True,
        **{
            "timeline_events-TOTAL_FORMS": "1",
            "timeline_events-0-date": "1999-06-12",
            "timeline_events-0-precision": "day",
            "timeline_events-0-title": "KFOR enters Kosovo",
            "timeline_events-0-description": "The force crosses the border. [[cite:unsc-res-1244-1999]]",
        },
    )
    assert not TimelineEvent.objects.exists()
    editorial.approve(Proposal.objects.get(), user=reviewer)
    event = TimelineEvent.objects.get()
    assert event.case_study == case and event.title == "KFOR enters Kosovo"
    client.logout()
    assert "KFOR enters Kosovo" in public_text(client, case)


def test_a_second_editor_waits_for_the_open_proposal(client, editor, kfor):
    case, _ = kfor
    client.force_login(editor)
    propose(client, case, summary="A first proposal.")
    other = User.objects.create_user("other", password="x", is_staff=True)
    other.groups.add(Group.objects.get(name="Editors"))
    client.force_login(other)
    page = client.get(reverse("admin:cases_casestudy_change", args=[case.pk])).content.decode()
    assert "editor has proposed a change" in page and 'name="_save"' not in page
    data = change_form(client, case)
    data["summary"] = "A second proposal."
    assert client.post(reverse("admin:cases_casestudy_change", args=[case.pk]), data).status_code == 403
    assert Proposal.objects.get().proposed_by == editor


def test_a_proposal_made_before_the_page_changed_is_not_approved(client, editor, reviewer, kfor):
    case, _ = kfor
    client.force_login(editor)
    propose(client, case, submit=True, summary="Proposed text.")
    case.summary = "A reviewer's own correction."
    case.save()
    with pytest.raises(editorial.EditorialError, match="changed after this proposal was made"):
        editorial.approve(Proposal.objects.get(), user=reviewer)
    case.refresh_from_db()
    assert case.summary == "A reviewer's own correction."


def test_a_case_citing_a_draft_source_is_not_submitted_or_published(reviewer, editor):
    make_source(key="draft-report", title="A draft report", status=Status.DRAFT)
    case = make_case(status=Status.DRAFT, summary="A claim. [[cite:draft-report]]")
    with pytest.raises(TransitionNotAllowed, match="A draft report"):
        case.transition_to(Status.REVIEW, user=editor)
    case.status = Status.REVIEW
    case.save()
    with pytest.raises(TransitionNotAllowed, match="A draft report"):
        case.transition_to(Status.PUBLISHED, user=reviewer)
    assert CaseStudy.objects.get(pk=case.pk).status == Status.REVIEW


def test_an_uncited_fact_keeps_a_case_back_unless_marked_unverified(reviewer):
    source = make_source(key="unsc-res-1270-1999")
    case = make_case(status=Status.REVIEW, unverified_facts=[])
    for fact in CaseStudy.CITABLE_FACTS:
        if fact != "outcome":
            cite(case, source, field=fact)
    with pytest.raises(TransitionNotAllowed) as refused:
        case.transition_to(Status.PUBLISHED, user=reviewer)
    assert "“Outcome” cites no source" in str(refused.value)
    assert refused.value.problems[0].url.endswith("#citations")
    case.unverified_facts = ["outcome"]
    case.save()
    case.transition_to(Status.PUBLISHED, user=reviewer)


def test_reviewers_publish_a_page_together_with_its_draft_sources(client, reviewer):
    draft = make_source(key="draft-report", title="A draft report", status=Status.DRAFT)
    case = make_case(status=Status.REVIEW, summary="A claim. [[cite:draft-report]]")
    published = editorial.publish_with_sources(case, user=reviewer)
    assert published == [draft]
    assert Source.objects.get(pk=draft.pk).status == Status.PUBLISHED
    assert CaseStudy.objects.get(pk=case.pk).status == Status.PUBLISHED
    assert "citation unavailable" not in public_text(client, case)


def test_a_reviewer_publishes_a_draft_source_directly(reviewer):
    source = make_source(key="draft-report", status=Status.DRAFT)
    source.transition_to(Status.PUBLISHED, user=reviewer)
    assert Source.objects.get(pk=source.pk).is_published


def test_a_form_without_its_revision_is_refused(client, reviewer, kfor):
    case, _ = kfor
    client.force_login(reviewer)
    data = change_form(client, case)
    del data["based_on_revision"]
    data["summary"] = "Overwritten"
    response = client.post(reverse("admin:cases_casestudy_change", args=[case.pk]), data)
    assert response.status_code == 200 and "cannot be saved safely" in response.content.decode()
    assert CaseStudy.objects.get(pk=case.pk).summary != "Overwritten"


def test_editors_cannot_rename_countries_or_edit_citations_on_their_own(client, editor, reviewer, kfor):
    case, _ = kfor
    kosovo = Country.objects.get(code="XK")
    client.force_login(editor)
    data = {"code": "XK", "name": "Renamed", "region": "europe"}
    assert client.post(reverse("admin:cases_country_change", args=[kosovo.pk]), data).status_code == 403
    assert Country.objects.get(pk=kosovo.pk).name == "Kosovo"
    client.force_login(reviewer)
    delete = client.post(reverse("admin:cases_country_delete", args=[kosovo.pk]), {"post": "yes"})
    assert "“Kosovo (KFOR)” (published) uses Kosovo" in delete.content.decode()
    assert Country.objects.filter(pk=kosovo.pk).exists()


def test_the_attention_board_shows_editors_their_proposals_and_reviewers_the_queue(client, editor, reviewer, kfor):
    case, _ = kfor
    client.force_login(editor)
    propose(client, case, submit=True, summary="Proposed text.")
    proposal = Proposal.objects.get()
    editorial.request_changes(proposal, user=reviewer, comment="Cite the date.")
    board = client.get(reverse("attention")).content.decode()
    assert "Your proposed changes" in board and "Cite the date." in board
    assert "Proposed changes to published pages" not in board
    editorial.submit_proposal(proposal, user=editor)
    client.force_login(reviewer)
    board = client.get(reverse("attention")).content.decode()
    assert "Proposed changes to published pages, oldest first (1)" in board and "Kosovo (KFOR)" in board
    home = client.get(reverse("admin:index")).content.decode()
    assert "1 proposed changes to published pages waiting for review" in home


def test_a_reviewer_publishes_a_page_and_its_draft_sources_from_the_form(client, reviewer):
    draft = make_source(key="draft-report", title="A draft report", status=Status.DRAFT)
    case = make_case(
        status=Status.REVIEW, summary="A claim. [[cite:draft-report]]", countries=[make_country("SL", "Sierra Leone")]
    )
    client.force_login(reviewer)
    form = client.get(reverse("admin:cases_casestudy_change", args=[case.pk])).content.decode()
    assert "Save and publish together with its 1 draft source" in form
    data, _ = form_fields(form)
    data["_publish_with_sources"] = "1"
    response = client.post(reverse("admin:cases_casestudy_change", args=[case.pk]), data, follow=True)
    assert "is published, together with 1 source(s): “A draft report”" in messages_of(response)
    assert Source.objects.get(pk=draft.pk).is_published and CaseStudy.objects.get(pk=case.pk).is_published


def test_facts_cited_in_the_same_save_pass_the_gate(client, reviewer):
    source = make_source(key="unsc-res-1270-1999")
    case = make_case(status=Status.REVIEW, unverified_facts=[], countries=[make_country("SL", "Sierra Leone")])
    client.force_login(reviewer)
    data, _ = form_fields(client.get(reverse("admin:cases_casestudy_change", args=[case.pk])).content.decode())
    prefix = "cases-citation-content_type-object_id"
    data[f"{prefix}-TOTAL_FORMS"] = str(len(CaseStudy.CITABLE_FACTS))
    for number, fact in enumerate(CaseStudy.CITABLE_FACTS):
        data[f"{prefix}-{number}-field"] = fact
        data[f"{prefix}-{number}-source"] = str(source.pk)
    data["_transition"] = Status.PUBLISHED
    client.post(reverse("admin:cases_casestudy_change", args=[case.pk]), data)
    assert CaseStudy.objects.get(pk=case.pk).is_published
