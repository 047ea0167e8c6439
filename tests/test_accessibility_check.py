"""
Before publishing, editors and reviewers are warned of images without alt text, skipped heading
levels and links without text.
"""

import pytest
import reversion
from django.urls import reverse

from cases.accessibility import problems_in_text
from cases.models import Proposal, Status
from tests.factories import make_case, make_country, make_source
from tests.test_editorial import propose

pytestmark = pytest.mark.django_db


def test_an_image_without_alt_text_is_named():
    problems = problems_in_text("A map: ![](maps/kosovo.png)\n\nA described one: ![Map of Kosovo](maps/k2.png)")
    assert len(problems) == 1
    assert "An image has no alt text (maps/kosovo.png)" in problems[0]


def test_skipped_heading_levels_and_a_second_title_are_named():
    problems = problems_in_text("# Kosovo\n\n## Background\n\n#### Detail\n\n### Fine\n\n## Also fine")
    assert len(problems) == 2
    assert "“Kosovo” is a level-1 heading" in problems[0]
    assert "“Detail” is a level-4 heading after a level-2 one" in problems[1] and "Use ###" in problems[1]


def test_a_case_studys_lessons_start_below_its_lessons_heading():
    assert problems_in_text("### First lesson", level=2) == []
    assert len(problems_in_text("#### Too deep", level=2)) == 1


def test_a_link_without_text_is_named_and_an_image_link_with_alt_text_is_not():
    problems = problems_in_text("[](https://undocs.org/S/RES/1244) and [![UN logo](un.png)](https://un.org)")
    assert len(problems) == 1 and "A link has no text (https://undocs.org/S/RES/1244)" in problems[0]


def test_citations_and_ordinary_text_raise_nothing():
    text = (
        "## Background\n\nNATO entered Kosovo [[cite:unsc-res-1244-1999|para. 7]]. "
        "See [the resolution](https://undocs.org).\n\n### Detail"
    )
    assert problems_in_text(text) == []


def warnings_box(html):
    start = html.index('class="a11y-warnings"')
    return html[start : html.index("</div>", start)]


def test_the_change_form_warns_but_publishing_goes_ahead(client, reviewer):
    make_source(key="unsc-res-1244-1999")
    case = make_case(
        "kosovo-kfor",
        status=Status.REVIEW,
        countries=[make_country("XK", "Kosovo", region="europe")],
        body="## Background\n\nText [[cite:unsc-res-1244-1999]]. ![](map.png)\n\n#### Deep [[cite:unsc-res-1244-1999]]",
    )
    client.force_login(reviewer)
    url = reverse("admin:cases_casestudy_change", args=[case.pk])
    box = warnings_box(client.get(url).content.decode())
    assert "2 warnings" in box
    assert "Body: An image has no alt text (map.png)" in box
    assert "Body: “Deep” is a level-4 heading after a level-2 one" in box
    # A warning, not a barrier: the reviewer publishes.
    case.transition_to(Status.PUBLISHED, user=reviewer)
    case.refresh_from_db()
    assert case.status == Status.PUBLISHED


def test_a_clean_record_shows_no_warning_box(client, reviewer):
    case = make_case("clean", body="## Background\n\nText.")
    client.force_login(reviewer)
    html = client.get(reverse("admin:cases_casestudy_change", args=[case.pk])).content.decode()
    assert "a11y-warnings" not in html


def test_the_review_page_warns_about_the_proposed_text(client, editor, reviewer):
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
    client.force_login(editor)
    propose(client, case, submit=True, body=case.body + "\n\nSee [](https://undocs.org/S/RES/1244(1999)).")
    proposal = Proposal.objects.get()
    client.force_login(reviewer)
    html = client.get(reverse("admin:cases_proposal_change", args=[proposal.pk])).content.decode()
    assert "Body: A link has no text (https://undocs.org/S/RES/1244(1999))" in warnings_box(html)
