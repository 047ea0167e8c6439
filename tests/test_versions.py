"""Every published version of a record has a permanent address that shows it as it was published."""

import datetime
import re

import pytest
import reversion
from django.conf import settings
from django.urls import reverse

from cases.models import SourceSnapshot, Status
from tests.factories import add_event, add_strength, cite, make_case, make_challenge, make_organization, make_source

pytestmark = pytest.mark.django_db


def save_version(obj, user=None, comment="", **changes):
    with reversion.create_revision():
        for name, value in changes.items():
            setattr(obj, name, value)
        obj.save()
        reversion.set_user(user)
        reversion.set_comment(comment)
        reversion.add_to_revision(obj)


def version_url(case, number):
    return reverse("cases:version", args=[case.slug, number])


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def article(client, url):
    """The version itself, without the banner that points to the current one."""
    html = page(client, url)
    return html[html.index("<article") : html.index("</article>")]


@pytest.fixture
def resolution():
    source = make_source("unsc-res-1270-1999", title="Resolution 1270 as first recorded")
    save_version(source, comment="Added")
    return source


@pytest.fixture
def case(reviewer, resolution):
    case = make_case(summary="A mission.", body="## Background\n\nThe council acted [[cite:unsc-res-1270-1999]].")
    save_version(case, reviewer, "First published")
    return case


def test_a_source_edited_after_publication_leaves_the_old_versions_reference_unchanged(client, reviewer, case):
    save_version(resolution_of(case), reviewer, "Retitled", title="Resolution 1270 (1999), corrected title")
    save_version(case, reviewer, "Second", body=case.body + "\n\nMore text.")

    old = page(client, version_url(case, 1))
    assert "Resolution 1270 as first recorded" in old
    assert "corrected title" not in old
    assert "corrected title" in page(client, version_url(case, 2))
    assert "corrected title" in page(client, case.get_absolute_url())


def resolution_of(case):
    from cases.models import Source

    return Source.objects.get(key="unsc-res-1270-1999")


def test_a_version_saved_before_snapshots_uses_the_sources_version_of_its_date(client, reviewer, case):
    SourceSnapshot.objects.all().delete()
    save_version(resolution_of(case), reviewer, "Retitled", title="A later title")
    html = page(client, version_url(case, 1))
    assert "Resolution 1270 as first recorded" in html and "A later title" not in html


def test_the_live_page_offers_this_version_and_sends_its_address_as_cite_as(client, reviewer, case):
    save_version(case, reviewer, "Second", summary="A mission, described better.")
    response = client.get(case.get_absolute_url())
    permanent = settings.SITE_URL + version_url(case, 2)
    assert response["Link"] == f'<{permanent}>; rel="cite-as"'
    html = response.content.decode()
    assert "Cite this version" in html and permanent in html


def test_version_numbers_never_change_when_versions_are_added(client, reviewer, case):
    save_version(case, reviewer, "Second", summary="Second summary.")
    first, second = article(client, version_url(case, 1)), article(client, version_url(case, 2))
    # A draft edit takes no number; the next published version takes the next one.
    save_version(case, reviewer, "Unpublished", status=Status.DRAFT, summary="Draft summary.")
    save_version(case, reviewer, "Third", status=Status.PUBLISHED, summary="Third summary.")
    assert article(client, version_url(case, 1)) == first
    assert article(client, version_url(case, 2)) == second
    assert "Third summary." in page(client, version_url(case, 3))
    assert "A mission." in first and "Second summary." in second


def test_an_old_version_links_to_the_current_one(client, reviewer, case):
    save_version(case, reviewer, "Second", summary="Second summary.")
    html = page(client, version_url(case, 1))
    assert "an earlier version" in html and f'href="{case.get_absolute_url()}"' in html
    assert "This is the current version" in page(client, version_url(case, 2))


def test_history_links_every_version_and_diffs_show_footnote_numbers(client, reviewer, case):
    save_version(case, reviewer, "Cited again", body=case.body + " It acted again [[cite:unsc-res-1270-1999|para. 9]].")
    history = page(client, reverse("cases:history", args=[case.slug]))
    assert f'href="{version_url(case, 1)}"' in history and f'href="{version_url(case, 2)}"' in history
    diff = page(client, reverse("cases:history", args=[case.slug]) + "?from=1&to=2")
    assert "[[cite:" not in diff
    assert re.search(r"<ins>[^<]*It acted again \[1, para\. 9\][^<]*</ins>", diff)


def test_a_version_that_only_changed_the_workflow_is_not_listed(client, reviewer, case):
    case.transition_to(Status.DRAFT, user=reviewer)
    save_version(case, reviewer, "Unpublished")
    with reversion.create_revision():
        case.transition_to(Status.REVIEW, user=reviewer)
        case.transition_to(Status.PUBLISHED, user=reviewer)
    save_version(case, reviewer, "Saved again, nothing changed")
    history = page(client, reverse("cases:history", args=[case.slug]))
    assert "Saved again" not in history and version_url(case, 2) not in history
    page(client, version_url(case, 2), status=404)
    assert client.get(case.get_absolute_url())["Link"].startswith(f"<{settings.SITE_URL}{version_url(case, 1)}>")


def test_an_inline_row_change_is_a_new_version(client, reviewer, case):
    add_event(case, "Lomé Peace Agreement", datetime.date(1999, 7, 7))
    save_version(case, reviewer, "Added an event")
    assert "Lomé Peace Agreement" in page(client, version_url(case, 2))
    assert "Lomé Peace Agreement" not in page(client, version_url(case, 1))


def test_draft_versions_are_never_public(client, reviewer, resolution):
    case = make_case(status=Status.DRAFT, summary="SECRET DRAFT WORDING.")
    save_version(case, reviewer, "Draft")
    page(client, version_url(case, 1), status=404)
    assert "Link" not in client.get(reverse("cases:detail", args=[case.slug]))
    save_version(case, reviewer, "Published", status=Status.PUBLISHED, summary="Public wording.")
    html = page(client, version_url(case, 1))
    assert "Public wording." in html and "SECRET" not in html
    page(client, version_url(case, 2), status=404)
    # Withdrawn: none of its versions is public any more.
    case.transition_to(Status.DRAFT, user=reviewer)
    page(client, version_url(case, 1), status=404)
    page(client, reverse("cases:history", args=[case.slug]), status=404)


def test_a_version_never_shows_a_draft_source_or_a_draft_records_name(client, reviewer):
    draft_source = make_source("draft-report", title="SECRET SOURCE TITLE", status=Status.DRAFT)
    draft_organisation = make_organization("secret", name="SECRET ORGANISATION", status=Status.DRAFT)
    draft_challenge = make_challenge("secret-challenge", name="SECRET CHALLENGE", status=Status.DRAFT)
    case = make_case(
        organizations=[draft_organisation, make_organization("un", name="United Nations")],
        challenges=[draft_challenge],
        body="## Background\n\nCited [[cite:draft-report]].",
    )
    add_strength(case, 17_500, draft_source)
    cite(case, draft_source, field="start_date")
    save_version(case, reviewer, "Published")
    html = page(client, version_url(case, 1))
    assert "United Nations" in html
    assert "SECRET" not in html and "17,500" not in html


def test_organisations_challenges_and_sources_have_versions_and_public_history(client, reviewer, resolution):
    organisation = make_organization("au", name="African Union", summary="Founded [[cite:unsc-res-1270-1999]].")
    challenge = make_challenge("host-state-consent", summary="Consent matters.")
    for record in (organisation, challenge):
        save_version(record, reviewer, "Added")
    for record in (organisation, challenge, resolution):
        save_version(record, reviewer, "Edited", **{"title" if record is resolution else "name": f"Renamed {record}"})
    for record, name in ((organisation, "organization"), (challenge, "challenge"), (resolution, "source")):
        lookup = record.key if record is resolution else record.slug
        history_url = reverse(f"cases:{name}_history", args=[lookup])
        assert history_url in page(client, record.get_absolute_url())
        history = page(client, history_url)
        first, second = (reverse(f"cases:{name}_version", args=[lookup, n]) for n in (1, 2))
        assert first in history and second in history
        assert "Renamed" not in page(client, first) and "Renamed" in page(client, second)
        assert client.get(record.get_absolute_url())["Link"] == f'<{settings.SITE_URL}{second}>; rel="cite-as"'
    assert "Resolution 1270 as first recorded" in page(client, reverse("cases:organization_version", args=["au", 1]))


def test_versions_are_numbered_from_the_first_published_one(client, reviewer):
    source = make_source("report", title="Draft title", status=Status.DRAFT)
    save_version(source, reviewer, "Draft")
    save_version(source, reviewer, "Published", status=Status.PUBLISHED, title="Public title")
    assert "Public title" in page(client, reverse("cases:source_version", args=["report", 1]))
    page(client, reverse("cases:source_version", args=["report", 2]), status=404)
