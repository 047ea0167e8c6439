"""Country pages: the operations a country hosted and those it contributed to, published ones only."""

import datetime
import re

import pytest
from django.urls import reverse

from cases.models import CaseStudy, Contribution, Country, Status
from cases.selectors import COUNTRY_PAGE_ROWS
from tests.factories import make_case, make_country, make_organization

pytestmark = pytest.mark.django_db


def titles_in(html, section_id):
    """The case-study titles linked in one section of the page, in order."""
    section = html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<a href="/cases/[^"]+/(?:#contributors)?">([^<]+)</a>', section)


@pytest.fixture
def sierra_leone():
    sl, lr, ng = make_country("SL", "Sierra Leone"), make_country("LR", "Liberia"), make_country("NG", "Nigeria")
    un = make_organization("un")
    older = make_case(
        title="Older mission", acronym="OLD", countries=[sl], organizations=[un], start_date=datetime.date(1990, 1, 1)
    )
    shared = make_case(
        title="Shared mission",
        acronym="SHR",
        countries=[sl, lr],
        organizations=[un],
        start_date=datetime.date(2001, 1, 1),
    )
    make_case(title="Elsewhere", acronym="ELS", countries=[lr], organizations=[un])
    make_case(title="Draft mission", acronym="DRF", countries=[sl], status=Status.DRAFT)
    make_case(title="Archived mission", acronym="ARC", countries=[sl], status=Status.ARCHIVED)
    liberia_case = CaseStudy.objects.get(acronym="ELS")
    draft = CaseStudy.objects.get(acronym="DRF")
    Contribution.objects.create(case_study=liberia_case, country=sl, role="troops", peak_personnel=800)
    Contribution.objects.create(case_study=liberia_case, country=sl, role="police", peak_personnel=40)
    Contribution.objects.create(case_study=older, country=sl, role="observers")
    Contribution.objects.create(case_study=draft, country=sl, role="troops", peak_personnel=99999)
    Contribution.objects.create(case_study=shared, country=ng, role="troops", peak_personnel=3000)
    return sl


def test_lists_the_published_operations_it_hosted_oldest_first(client, sierra_leone):
    response = client.get(reverse("cases:country_detail", args=["SL"]))
    assert response.status_code == 200
    html = response.content.decode()
    expected = list(
        CaseStudy.objects.filter(status=Status.PUBLISHED, countries__code="SL")
        .order_by("start_date")
        .values_list("title", flat=True)
    )
    assert expected == ["Older mission", "Shared mission"]
    assert titles_in(html, "hosted-heading") == expected
    assert 'Operations it hosted <span class="muted">(2)</span>' in html


def test_lists_its_contributions_to_published_operations(client, sierra_leone):
    html = client.get("/countries/SL/").content.decode()
    rows = (
        Contribution.objects.filter(country__code="SL", case_study__status=Status.PUBLISHED)
        .order_by("case_study__start_date", "role")
        .values_list("case_study__acronym", "role", "peak_personnel")
    )
    section = html.split('id="contributed-heading"', 1)[1].split("</section>", 1)[0]
    assert titles_in(html, "contributed-heading") == [acronym for acronym, _, _ in rows]
    assert "800" in section and "Police" in section and "Military observers" in section
    # Two operations (one with two roles), however many rows.
    distinct = {acronym for acronym, _, _ in rows}
    assert f'Operations it contributed to <span class="muted">({len(distinct)})</span>' in html
    assert "/cases/?contributor=SL" in section


def test_drafts_and_archived_operations_never_show(client, sierra_leone):
    html = client.get("/countries/SL/").content.decode()
    for hidden in ("Draft mission", "DRF", "Archived mission", "99,999", "99999"):
        assert hidden not in html


def test_a_country_with_nothing_published_says_so(client, sierra_leone):
    make_country("GH", "Ghana")
    html = client.get("/countries/GH/").content.decode()
    assert "No published case study records an operation in Ghana." in html
    assert "No published case study records a contribution from Ghana." in html


def test_unknown_code_is_404_and_lower_case_redirects(client, sierra_leone):
    assert client.get("/countries/ZZ/").status_code == 404
    assert client.get("/countries/sierra/").status_code == 404
    response = client.get("/countries/sl/")
    assert response.status_code == 301 and response["Location"] == "/countries/SL/"


def test_long_lists_show_the_first_rows_and_link_to_the_filtered_list(client):
    country = make_country("SL", "Sierra Leone")
    for i in range(COUNTRY_PAGE_ROWS + 3):
        make_case(title=f"Mission {i:03d}", countries=[country], start_date=datetime.date(1950 + i, 1, 1))
    html = client.get("/countries/SL/").content.decode()
    titles = titles_in(html, "hosted-heading")
    assert titles == [f"Mission {i:03d}" for i in range(COUNTRY_PAGE_ROWS)]
    assert f"({COUNTRY_PAGE_ROWS + 3})" in html
    assert f"All {COUNTRY_PAGE_ROWS + 3} in the case-study list" in html


def test_query_count_does_not_grow_with_rows(client, django_assert_num_queries):
    counts = []
    country = make_country("SL", "Sierra Leone")
    others = [make_country(code) for code in ("AA", "BB", "CC")]
    for n in (2, 8):
        for i in range(n):
            case = make_case(countries=[country, *others], organizations=[make_organization(f"org-{n}-{i}")])
            Contribution.objects.create(case_study=case, country=country, role="troops", peak_personnel=i)
        client.get("/countries/SL/")  # per-process caches (content types, the session) warm up
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get("/countries/SL/").status_code == 200
        counts.append(len(queries))
    # Eight for the page, and one each for the UN personnel figures and fatalities (none here).
    assert counts[0] == counts[1] <= 10


def test_every_country_name_links_to_its_page(client, sierra_leone):
    html = client.get(reverse("cases:detail", args=[CaseStudy.objects.get(acronym="SHR").slug])).content.decode()
    infobox = html.split('class="infobox"', 1)[1].split("</aside>", 1)[0]
    assert '<a href="/countries/SL/">Sierra Leone</a>' in infobox
    assert '<a href="/countries/LR/">Liberia</a>' in infobox
    contributors = html.split('id="contributors"', 1)[1].split("</section>", 1)[0]
    assert '<a href="/countries/NG/">Nigeria</a>' in contributors
    listing = client.get("/cases/").content.decode()
    assert 'href="/countries/SL/">Sierra Leone</a>' in listing


def test_countries_index_counts_published_operations_hosted_and_contributed_to(client, sierra_leone):
    page = client.get(reverse("cases:country_list")).content.decode()
    rows = re.findall(
        r'<tr><td><a href="/countries/(\w\w)/">[^<]+</a></td><td>[^<]+</td>\s*<td class="num">(?:<a [^>]+>)?(\d+)'
        r'(?:</a>)?</td>\s*<td class="num">(?:<a [^>]+>)?(\d+)',
        page,
    )
    published = CaseStudy.objects.filter(status=Status.PUBLISHED)
    expected = []
    for code in Country.objects.order_by("code").values_list("code", flat=True):
        hosted = published.filter(countries__code=code).count()
        contributed = published.filter(contributions__country__code=code).distinct().count()
        if hosted or contributed:
            expected.append((code, str(hosted), str(contributed)))
    assert sorted(rows) == expected
    assert ("SL", "2", "2") in rows  # the draft's host row and contribution are not counted
    # The map links each host country to its page.
    assert 'href="/countries/SL/" class="map-country' in page


def test_country_page_map_shows_the_country(client, sierra_leone):
    page = client.get("/countries/SL/").content.decode()
    svg = page.split('aria-labelledby="country-map-title"', 1)[1].split("</svg>", 1)[0]
    assert "Sierra Leone on the world map" in svg
    assert svg.count('class="map-country') == 1


def test_countries_index_query_count_does_not_grow_with_rows(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (2, 8):
        for i in range(n):
            host, contributor = make_country(f"H{chr(65 + i)}"), make_country(f"C{chr(65 + i)}")
            case = make_case(countries=[host], organizations=[make_organization(f"org-{n}-{i}")])
            Contribution.objects.create(case_study=case, country=contributor, role="troops")
        client.get("/countries/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/countries/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 6


def test_sitemap_lists_the_pages_of_countries_with_published_operations(client, sierra_leone):
    make_country("GH", "Ghana")  # nothing published: no page worth listing
    draft_only = make_country("TD", "Chad")
    make_case(countries=[draft_only], status=Status.DRAFT)
    sitemap = client.get("/sitemap.xml").content.decode()
    listed = set(re.findall(r"/countries/(\w\w)/</loc>", sitemap))
    assert listed == {"SL", "LR", "NG"}
