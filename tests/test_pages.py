import datetime

import pytest
from django.conf import settings
from django.template import loader
from django.urls import reverse, set_script_prefix

from cases.models import Status
from tests.factories import (
    add_event,
    add_strength,
    cite,
    make_case,
    make_challenge,
    make_country,
    make_organization,
    make_source,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def unamsil():
    resolution = make_source(key="unsc-res-1270-1999", title="Resolution 1270 (1999)", identifier="S/RES/1270 (1999)")
    press = make_source(key="un-press-sc-7041", title="Security Council raises UNAMSIL to 17,500", kind="press_release")
    un = make_organization("un", name="United Nations")
    consent = make_challenge("fragile-peace-agreements", name="Fragile peace agreements")
    case = make_case(
        "sierra-leone-unamsil",
        title="Sierra Leone (UNAMSIL)",
        acronym="UNAMSIL",
        organizations=[un],
        countries=[make_country("SL", "Sierra Leone")],
        challenges=[consent],
        summary="The Council set up the mission in 1999. [[cite:unsc-res-1270-1999|para. 8]]",
        body=(
            "## Background\n\nThe war began in 1991. [[cite:un-press-sc-7041]]\n\n"
            "## Mandate\n\nUp to 6,000 military personnel. [[cite:unsc-res-1270-1999|para. 9]]"
        ),
    )
    cite(case, resolution, field="start_date", locator="para. 8")
    add_event(case, "Lomé Peace Agreement", datetime.date(1999, 7, 7), sources=[press])
    add_strength(case, 17500, press, date=datetime.date(2001, 3, 30))
    return case


def test_case_study_page_shows_infobox_body_footnotes_and_references(client, unamsil):
    response = client.get(unamsil.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Sierra Leone (UNAMSIL)</h1>" in html
    assert "United Nations" in html and "Sierra Leone" in html
    assert "17,500" in html and "Peak authorised strength" in html
    assert 'id="section-background"' in html and 'href="#section-mandate"' in html
    references = response.context["references"].entries
    assert [r.source.key for r in references] == ["unsc-res-1270-1999", "un-press-sc-7041"]
    assert 'id="ref-1"' in html and 'id="ref-2"' in html and 'href="#cite-1-1"' in html
    assert "Lomé Peace Agreement" in html and "Fragile peace agreements" in html
    assert "para. 9" in html


def test_unknown_and_unpublished_pages_are_404(client, unamsil):
    draft = make_case("draft-case", status=Status.DRAFT)
    for url in [
        reverse("cases:detail", args=["no-such-case"]),
        draft.get_absolute_url(),
        reverse("cases:organization_detail", args=["nope"]),
        reverse("cases:challenge_detail", args=["nope"]),
        reverse("cases:source_detail", args=["nope"]),
    ]:
        response = client.get(url)
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()


def test_staff_preview_a_draft_with_a_banner(client, staff_user):
    draft = make_case("draft-case", status=Status.DRAFT, title="Draft mission")
    client.force_login(staff_user)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "Draft – not public" in response.content.decode()


def test_published_page_links_only_to_published_neighbours(client):
    hidden_org = make_organization("hidden", name="Hidden Alliance", status=Status.DRAFT)
    hidden_challenge = make_challenge("secret-challenge", name="Secret challenge", status=Status.REVIEW)
    make_source(key="hidden-source", title="Hidden report", status=Status.DRAFT)
    case = make_case(
        organizations=[hidden_org],
        challenges=[hidden_challenge],
        body="## Background\n\nClaim [[cite:hidden-source]].",
    )
    html = client.get(case.get_absolute_url()).content.decode()
    assert "Hidden Alliance" not in html and "Secret challenge" not in html and "Hidden report" not in html
    assert "citation unavailable" in html
    list_html = client.get(reverse("cases:list")).content.decode()
    assert "HIDDEN" not in list_html


def test_organization_challenge_and_source_pages_list_published_cases(client, unamsil):
    make_case(
        "hidden-case", title="Hidden UN case", organizations=[unamsil.roles.first().organization], status=Status.DRAFT
    )
    html = client.get(reverse("cases:organization_detail", args=["un"])).content.decode()
    assert "Sierra Leone (UNAMSIL)" in html and "Hidden UN case" not in html
    html = client.get(reverse("cases:organization_list")).content.decode()
    assert "1 case study" in html
    html = client.get(reverse("cases:challenge_detail", args=["fragile-peace-agreements"])).content.decode()
    assert "Sierra Leone (UNAMSIL)" in html and "Hidden UN case" not in html
    html = client.get(reverse("cases:source_detail", args=["un-press-sc-7041"])).content.decode()
    assert "Sierra Leone (UNAMSIL)" in html
    html = client.get(reverse("cases:source_list")).content.decode()
    assert "Resolution 1270 (1999)" in html


def test_home_counts_only_published_records(client, unamsil):
    make_case(status=Status.DRAFT)
    make_source(status=Status.REVIEW)
    response = client.get(reverse("cases:home"))
    assert response.context["counts"] == {"case_studies": 1, "organizations": 1, "challenges": 1, "sources": 2}
    assert "Sierra Leone (UNAMSIL)" in response.content.decode()


def test_whole_record_citations_of_an_organisation_are_numbered(client):
    source = make_source(key="au-constitutive-act", title="Constitutive Act of the African Union")
    organization = make_organization("au", name="African Union", founded=2002, summary="The AU.", body="")
    cite(organization, source)
    html = client.get(organization.get_absolute_url()).content.decode()
    assert "citation unavailable" not in html
    assert 'href="#ref-1"' in html and "Constitutive Act of the African Union" in html


def test_a_stored_script_address_is_never_a_link(client):
    from cases.models import Source

    source = make_source(key="odd-address")
    Source.objects.filter(pk=source.pk).update(url="javascript:alert(1)")
    html = client.get(source.get_absolute_url()).content.decode()
    assert "javascript:" not in html


def test_organisation_and_challenge_pages_list_their_cases_twenty_to_a_page(client):
    un, consent = make_organization("un"), make_challenge("host-state-consent")
    for number in range(41):
        make_case(
            title=f"Mission {number:02}",
            organizations=[un],
            challenges=[consent],
            start_date=datetime.date(1950 + number, 1, 1),
        )
    for url in (
        reverse("cases:organization_detail", args=["un"]),
        reverse("cases:challenge_detail", args=["host-state-consent"]),
    ):
        first = client.get(url).content.decode()
        assert "(41)" in first and "Mission 00" in first and "Mission 19" in first and "Mission 20" not in first
        assert "Page 1 of 3" in first and 'rel="next" href="?page=2"' in first
        last = client.get(url, {"page": "3"}).content.decode()
        assert "Mission 40" in last and "Mission 39" not in last
        past_the_end = client.get(url, {"page": "9"}).content.decode()
        assert "There is no page 9; showing page 3, the last." in past_the_end and "Mission 40" in past_the_end


def test_an_unknown_address_shows_the_casebooks_own_404_page(client):
    assert not settings.DEBUG
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "Browse all case studies" in html
    assert 'class="site-header"' in html and 'class="site-footer"' in html


def test_the_500_page_renders_with_no_request_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()
    assert "Something went wrong on our side" in html
    assert 'class="site-header"' in html and "/static/css/site.css" in html


def test_links_to_records_follow_the_path_the_site_is_served_under(unamsil):
    """
    Served under a path prefix (SCRIPT_NAME), the site links its records under it, though the
    same links were made without it before.
    """
    country = unamsil.countries.get()
    assert unamsil.get_absolute_url() == "/cases/sierra-leone-unamsil/"
    assert country.get_absolute_url() == "/countries/SL/"
    set_script_prefix("/casebook/")
    try:
        assert unamsil.get_absolute_url() == "/casebook/cases/sierra-leone-unamsil/"
        assert country.get_absolute_url() == "/casebook/countries/SL/"
    finally:
        set_script_prefix("/")
    assert unamsil.get_absolute_url() == "/cases/sierra-leone-unamsil/"
