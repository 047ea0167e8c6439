"""Every save is kept; reviewers compare and restore versions; readers see published history."""

import datetime

import pytest
import reversion
from django.contrib.messages import get_messages
from django.urls import reverse

from cases import editorial, history
from cases.models import CaseOrganization, CaseStudy, Objective, Organization, Proposal, Status, TimelineEvent
from tests.factories import add_event, make_case, make_country, make_objective, make_organization

pytestmark = pytest.mark.django_db


def save_version(obj, user=None, comment="", **changes):
    with reversion.create_revision():
        for name, value in changes.items():
            setattr(obj, name, value)
        obj.save()
        reversion.set_user(user)
        reversion.set_comment(comment)
        reversion.add_to_revision(obj)


@pytest.fixture
def edited_case(reviewer):
    un = make_organization("un")
    case = make_case(organizations=[un], countries=[make_country()], body="## Background\n\nThe war began in 1991.")
    add_event(case, "Lomé Peace Agreement", datetime.date(1999, 7, 7))
    save_version(case, reviewer, "First version")
    case.timeline_events.all().delete()
    add_event(case, "Abuja ceasefire", datetime.date(2000, 11, 10))
    save_version(case, reviewer, "Vandalised", body="## Background\n\nThe war began in 1995, badly.")
    return case


def test_versions_list_and_compare_in_the_admin(client, reviewer, edited_case):
    client.force_login(reviewer)
    url = reverse("admin:cases_casestudy_history", args=[edited_case.pk])
    page = client.get(url).content.decode()
    assert "Vandalised" in page and "First version" in page and "Restore version 1" in page
    newest, oldest = history.versions_of(edited_case)[:2]
    compare = client.get(
        reverse("admin:cases_casestudy_compare", args=[edited_case.pk]), {"from": oldest.pk, "to": newest.pk}
    ).content.decode()
    assert "<del>1991</del><ins>1995, badly</ins>" in compare
    assert "Abuja ceasefire" in compare and "Lomé Peace Agreement" in compare


def test_restore_brings_back_fields_and_inline_rows_as_a_new_version(client, reviewer, edited_case):
    client.force_login(reviewer)
    oldest = history.versions_of(edited_case).last()
    before = history.versions_of(edited_case).count()
    url = reverse("admin:cases_casestudy_restore", args=[edited_case.pk, oldest.pk])
    response = client.post(url, {"confirmed": "1"}, follow=True)
    assert any(
        "Restored version 1" in str(m) and "nothing was lost" in str(m) for m in get_messages(response.wsgi_request)
    )
    edited_case.refresh_from_db()
    assert "1991" in edited_case.body
    assert list(edited_case.timeline_events.values_list("title", flat=True)) == ["Lomé Peace Agreement"]
    assert history.versions_of(edited_case).count() == before + 1
    assert history.versions_of(edited_case).first().revision.get_comment() == "Restored version 1"
    # The vandalised version is still there, and can itself be restored.
    assert history.versions_of(edited_case).filter(revision__comment="Vandalised").exists()


def test_restore_keeps_the_current_publication_status(reviewer, edited_case):
    edited_case.transition_to(Status.DRAFT, user=reviewer)
    history.restore(history.versions_of(edited_case).last(), user=reviewer)
    edited_case.refresh_from_db()
    assert edited_case.status == Status.DRAFT


def test_restoring_a_version_that_points_at_a_deleted_record_explains(client, reviewer):
    nato = make_organization("nato", name="North Atlantic Treaty Organization")
    case = make_case(organizations=[nato], countries=[make_country()])
    save_version(case, reviewer, "With NATO")
    CaseOrganization.objects.filter(case_study=case).delete()
    save_version(case, reviewer, "Without NATO")
    Organization.objects.filter(pk=nato.pk).delete()
    client.force_login(reviewer)
    old = history.versions_of(case).get(revision__comment="With NATO")
    response = client.post(
        reverse("admin:cases_casestudy_restore", args=[case.pk, old.pk]), {"confirmed": "1"}, follow=True
    )
    assert response.status_code == 200
    text = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "cannot be restored" in text and "organisation" in text.lower()
    assert CaseStudy.objects.get(pk=case.pk).roles.count() == 0


def test_an_editors_restore_of_a_published_record_is_a_proposal_for_review(client, editor, reviewer, edited_case):
    client.force_login(editor)
    oldest = history.versions_of(edited_case).last()
    url = reverse("admin:cases_casestudy_restore", args=[edited_case.pk, oldest.pk])
    asked = client.post(url)  # not yet confirmed: the page says what would change
    assert "Propose restoring version 1" in asked.content.decode()
    response = client.post(url, {"confirmed": "1"}, follow=True)
    assert any("proposed for review" in str(m) for m in get_messages(response.wsgi_request))
    edited_case.refresh_from_db()
    assert "1995" in edited_case.body  # readers still see the published version
    proposal = Proposal.objects.get()
    assert proposal.state == Proposal.State.SUBMITTED and proposal.note == "Restore version 1"
    editorial.approve(proposal, user=reviewer)
    edited_case.refresh_from_db()
    assert "1991" in edited_case.body


def test_restoring_a_published_record_asks_first(client, reviewer, edited_case):
    client.force_login(reviewer)
    oldest = history.versions_of(edited_case).last()
    before = history.versions_of(edited_case).count()
    response = client.post(reverse("admin:cases_casestudy_restore", args=[edited_case.pk, oldest.pk]))
    assert "Restore version 1" in response.content.decode() and "changes what readers see" in response.content.decode()
    assert history.versions_of(edited_case).count() == before


def test_restoring_a_version_whose_objective_was_deleted_names_it(client, reviewer):
    stabilisation = Objective.objects.create(slug="stabilisation", name="Stabilisation")
    case = make_case(objectives=[stabilisation])
    save_version(case, reviewer, "With the objective")
    stabilisation.delete()
    client.force_login(reviewer)
    old = history.versions_of(case).get(revision__comment="With the objective")
    url = reverse("admin:cases_casestudy_restore", args=[case.pk, old.pk])
    response = client.post(url, {"confirmed": "1"}, follow=True)
    assert response.status_code == 200
    text = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "Version 1 cannot be restored" in text and "objective #" in text


def test_public_history_shows_published_versions_only(client, reviewer):
    case = make_case(status=Status.DRAFT, body="## Background\n\nSECRET DRAFT WORDING.")
    save_version(case, reviewer, "Draft work")
    case.transition_to(Status.REVIEW, user=reviewer)
    with reversion.create_revision():
        case.transition_to(Status.PUBLISHED, user=reviewer)
        case.body = "## Background\n\nPublished wording."
        case.save()
        reversion.set_comment("Published after review")
        reversion.add_to_revision(case)
    save_version(case, reviewer, "Corrected a date", body="## Background\n\nPublished wording, corrected.")
    html = client.get(reverse("cases:history", args=[case.slug])).content.decode()
    assert "Published after review" in html and "Corrected a date" in html
    assert "<ins>, corrected</ins>" in html
    assert "SECRET DRAFT WORDING" not in html and "Draft work" not in html


def test_public_history_of_a_draft_is_404(client):
    case = make_case(status=Status.DRAFT)
    assert client.get(reverse("cases:history", args=[case.slug])).status_code == 404


def test_word_diff_escapes_html():
    html = history.word_diff("safe text", "<script>alert(1)</script> text")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_deleting_rows_and_restoring_does_not_touch_other_records(reviewer):
    first = make_case(countries=[make_country()])
    second = make_case(countries=[make_country()])
    add_event(second, "Second's event")
    save_version(first, reviewer, "v1")
    save_version(second, reviewer, "v1")
    TimelineEvent.objects.create(case_study=second, date=datetime.date(2001, 1, 1), title="Added later")
    history.restore(history.versions_of(first).first(), user=reviewer)
    assert second.timeline_events.filter(title="Added later").exists()


def test_restore_brings_back_many_to_many_links_and_organisation_roles(reviewer):
    ddr = make_objective("ddr")
    sierra_leone, liberia = make_country("SL", "Sierra Leone"), make_country("LR", "Liberia")
    un, ecowas = make_organization("un"), make_organization("ecowas")
    case = make_case(organizations=[un], countries=[sierra_leone], objectives=[ddr])
    save_version(case, reviewer, "Original links")
    case.countries.set([liberia])
    case.objectives.clear()
    CaseOrganization.objects.filter(case_study=case).update(organization=ecowas)
    save_version(case, reviewer, "Wrong links")
    history.restore(history.versions_of(case).get(revision__comment="Original links"), user=reviewer)
    assert list(case.countries.values_list("code", flat=True)) == ["SL"]
    assert list(case.objectives.values_list("slug", flat=True)) == ["ddr"]
    assert list(case.roles.values_list("organization__slug", flat=True)) == ["un"]
