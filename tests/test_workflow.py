"""Editors write, reviewers publish: the status flow and who may move a record along it."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from cases.models import CaseStudy, Organization, Source, Status, TransitionNotAllowed
from tests.factories import make_case, make_country, make_source

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "target", "role", "allowed"),
    [
        (Status.DRAFT, Status.REVIEW, "editor", True),
        (Status.REVIEW, Status.DRAFT, "editor", True),
        (Status.REVIEW, Status.PUBLISHED, "editor", False),
        (Status.REVIEW, Status.PUBLISHED, "reviewer", True),
        (Status.PUBLISHED, Status.DRAFT, "editor", False),
        (Status.PUBLISHED, Status.DRAFT, "reviewer", True),
        (Status.PUBLISHED, Status.ARCHIVED, "editor", False),
        (Status.PUBLISHED, Status.ARCHIVED, "reviewer", True),
        (Status.ARCHIVED, Status.DRAFT, "reviewer", True),
        (Status.DRAFT, Status.PUBLISHED, "reviewer", False),
        (Status.ARCHIVED, Status.PUBLISHED, "reviewer", False),
    ],
)
def test_transitions_by_role_in_the_model_layer(request, start, target, role, allowed):
    user = request.getfixturevalue(role)
    case = make_case(status=start)
    if allowed:
        case.transition_to(target, user=user)
        case.refresh_from_db()
        assert case.status == target
        assert case.status_changed_by == user and case.status_changed_at is not None
    else:
        with pytest.raises(TransitionNotAllowed):
            case.transition_to(target, user=user)
        case.refresh_from_db()
        assert case.status == start


def test_first_publication_sets_published_at_once(reviewer):
    case = make_case(status=Status.REVIEW)
    case.transition_to(Status.PUBLISHED, user=reviewer)
    first = case.published_at
    assert first is not None and case.reviewed_at is not None
    case.transition_to(Status.DRAFT, user=reviewer)
    case.transition_to(Status.REVIEW, user=reviewer)
    case.transition_to(Status.PUBLISHED, user=reviewer)
    assert case.published_at == first


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_editor_submits_from_the_change_form_but_cannot_publish(client, editor):
    case = make_case(status=Status.DRAFT, countries=[make_country()])
    client.force_login(editor)
    url = reverse("admin:cases_casestudy_change", args=[case.pk])
    page = client.get(url).content.decode()
    assert "Save and submit for review" in page and "Save and publish" not in page

    response = client.post(
        reverse("admin:cases_casestudy_changelist"),
        {"action": "publish", "_selected_action": [case.pk]},
        follow=True,
    )
    case.refresh_from_db()
    assert case.status == Status.DRAFT
    assert any("Only reviewers may publish" in m or "cannot become published" in m for m in messages_of(response))

    response = client.post(
        reverse("admin:cases_casestudy_changelist"),
        {"action": "submit_for_review", "_selected_action": [case.pk]},
        follow=True,
    )
    case.refresh_from_db()
    assert case.status == Status.REVIEW


def test_reviewer_publishes_with_an_admin_action(client, reviewer):
    cases = [make_case(status=Status.REVIEW) for _ in range(2)]
    client.force_login(reviewer)
    client.post(
        reverse("admin:cases_casestudy_changelist"),
        {"action": "publish", "_selected_action": [c.pk for c in cases]},
    )
    assert set(CaseStudy.objects.values_list("status", flat=True)) == {Status.PUBLISHED}
    assert all(c.status_changed_by == reviewer for c in CaseStudy.objects.all())


def test_editors_propose_changes_to_published_records_and_cannot_delete_them(client, editor, reviewer, superuser):
    case = make_case(status=Status.PUBLISHED)
    client.force_login(editor)
    change = client.get(reverse("admin:cases_casestudy_change", args=[case.pk])).content.decode()
    assert "kept as a proposed change for a reviewer" in change and 'name="_submit_proposal"' in change
    assert client.post(reverse("admin:cases_casestudy_delete", args=[case.pk]), {"post": "yes"}).status_code == 403
    client.force_login(reviewer)
    assert client.post(reverse("admin:cases_casestudy_delete", args=[case.pk]), {"post": "yes"}).status_code == 403
    client.force_login(superuser)
    client.post(reverse("admin:cases_casestudy_delete", args=[case.pk]), {"post": "yes"})
    assert not CaseStudy.objects.exists()


def test_editors_may_delete_drafts(client, editor):
    source = make_source(status=Status.DRAFT)
    client.force_login(editor)
    client.post(reverse("admin:cases_source_delete", args=[source.pk]), {"post": "yes"})
    assert not Source.objects.exists()


def test_new_records_start_as_drafts_whatever_is_posted(client, editor):
    client.force_login(editor)
    client.post(
        reverse("admin:cases_organization_add"),
        {
            "name": "Test Org",
            "acronym": "TO",
            "slug": "to",
            "kind": "regional",
            "summary": "S.",
            "status": "published",
            "cases-citation-content_type-object_id-TOTAL_FORMS": "0",
            "cases-citation-content_type-object_id-INITIAL_FORMS": "0",
        },
    )
    assert Organization.objects.get().status == Status.DRAFT


def test_groups_have_exactly_the_permissions_of_their_role(editor, reviewer):
    assert editor.has_perm("cases.change_casestudy") and not editor.has_perm("cases.publish_casestudy")
    assert reviewer.has_perm("cases.publish_casestudy") and reviewer.has_perm("cases.publish_source")
    assert not editor.has_perm("auth.change_user") and not reviewer.has_perm("auth.change_user")


def test_create_account_command(db):
    import os

    from django.contrib.auth.models import User
    from django.core.management import call_command

    os.environ["TEST_ACCOUNT_PASSWORD"] = "a long passphrase for tests"
    try:
        call_command("create_account", "maria", "--role", "reviewer", "--password-env", "TEST_ACCOUNT_PASSWORD")
    finally:
        del os.environ["TEST_ACCOUNT_PASSWORD"]
    user = User.objects.get(username="maria")
    assert user.is_staff and user.has_perm("cases.publish_casestudy")
    assert user.check_password("a long passphrase for tests")
