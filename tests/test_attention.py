"""The "needs attention" board lists what editors should fix, with counts on the admin index."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import attention
from cases.models import CaseStudy, Status
from tests.factories import cite, make_case, make_challenge, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def problems():
    cited = make_source(key="cited-source")
    unused = make_source(key="unused-source")
    bare = make_source(key="bare-source", url="", identifier="")
    case = make_case(
        title="Half-cited mission",
        body="## Cited\n\nYes [[cite:cited-source]].\n\n## Uncited section\n\nNo source here.",
    )
    for fact in ("mission", "countries", "organizations", "mandate_type", "start_date", "outcome"):
        cite(case, cited, field=fact)
    uncited = make_case(title="Bare mission", body="## Only\n\nNothing [[cite:bare-source]].")
    old = make_case(status=Status.REVIEW, title="Waiting longest")
    new = make_case(status=Status.REVIEW, title="Waiting shortest")
    CaseStudy.objects.filter(pk=old.pk).update(status_changed_at=timezone.now() - datetime.timedelta(days=9))
    CaseStudy.objects.filter(pk=new.pk).update(status_changed_at=timezone.now() - datetime.timedelta(days=1))
    stale = make_challenge("stale-challenge", name="Stale challenge", body="## A\n\nText [[cite:cited-source]].")
    stale.__class__.objects.filter(pk=stale.pk).update(reviewed_at=timezone.now() - datetime.timedelta(days=400))
    return {"case": case, "uncited": uncited, "unused": unused, "bare": bare}


def test_board_finds_each_kind_of_problem(problems):
    board = attention.board()
    facts = dict(board["uncited_facts"])
    assert "End" in facts[problems["case"]]
    assert "Start" in facts[problems["uncited"]] and "Mission" in facts[problems["uncited"]]
    sections = dict(board["uncited_sections"])
    assert sections[problems["case"]] == ["Uncited section"]
    assert problems["uncited"] not in sections
    assert [r.title for r in board["waiting_for_review"]] == ["Waiting longest", "Waiting shortest"]
    assert problems["bare"] in board["incomplete_sources"]
    assert problems["unused"] in board["unused_sources"]
    assert problems["bare"] not in board["unused_sources"]
    assert "Stale challenge" in [str(r) for r in board["stale_pages"]]


def test_board_page_and_index_counts(client, editor, problems):
    client.force_login(editor)
    page = client.get(reverse("attention")).content.decode()
    assert "Half-cited mission" in page and "Uncited section" in page and "unused-source" in page
    assert problems["case"].get_admin_url() in page
    index = client.get(reverse("admin:index")).content.decode()
    assert "2 waiting for review" in index and "1 sources cited by nothing" in index


def test_board_is_for_staff_only(client):
    response = client.get(reverse("attention"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
