""" "See also" on case-study pages: neighbours by host country, lead organisation, challenges, succession."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from cases import selectors
from cases.models import CaseStudy, Status
from tests.factories import make_case, make_challenge, make_country, make_organization

pytestmark = pytest.mark.django_db


def see_also_section(client, case):
    html = client.get(case.get_absolute_url()).content.decode()
    start = html.index('id="see-also"')
    return html[start : html.index("</section>", start)]


def started(year):
    return {"start_date": datetime.date(year, 1, 1), "end_date": datetime.date(year + 2, 1, 1)}


def test_neighbours_of_each_kind_are_shown_published_only(client):
    haiti, chad = make_country("HT", "Haiti"), make_country("TD", "Chad")
    un, au = make_organization("un"), make_organization("au")
    consent = make_challenge("consent")
    case = make_case(title="The case", organizations=[un], countries=[haiti], challenges=[consent], **started(2004))
    same_country = make_case(title="Same country", organizations=[au], countries=[haiti], **started(1994))
    same_lead = make_case(title="Same lead", organizations=[un], countries=[chad], **started(1990))
    same_challenge = make_case(title="Same challenge", organizations=[au], countries=[chad], challenges=[consent])
    make_case(title="Draft neighbour", organizations=[un], countries=[haiti], challenges=[consent], status=Status.DRAFT)
    make_case(title="Unrelated", organizations=[au], countries=[chad])

    html = see_also_section(client, case)

    for other in (same_country, same_lead, same_challenge):
        assert f'<a href="{other.get_absolute_url()}">{other.title}</a>' in html
    assert "Also in Haiti" in html and "Also led by UN" in html and "Sharing its challenges" in html
    assert "Draft neighbour" not in html and "Unrelated" not in html
    assert ">The case</a>" not in html  # never itself


def test_a_few_of_each_kind_the_closest_in_time_first_none_twice(client):
    haiti = make_country("HT", "Haiti")
    un = make_organization("un")
    case = make_case(title="The case", organizations=[un], countries=[haiti], **started(2000))
    # Six in Haiti led by the UN too, at growing distance in time from 2000.
    years = [2001, 1998, 2004, 1995, 2008, 1980]
    neighbours = [
        make_case(title=f"Neighbour {year}", organizations=[un], countries=[haiti], **started(year)) for year in years
    ]

    page = selectors.see_also(selectors.case_study_for_page(case.slug, AnonymousUser()))

    by_heading = {group["heading"]: [other.title for other in group["cases"]] for group in page["groups"]}
    closest_first = [case.title for case in sorted(neighbours, key=lambda c: abs(c.start_date.year - 2000))]
    assert by_heading["Also in Haiti"] == closest_first[: selectors.SEE_ALSO_EACH]
    # The same organisation's missions, less those already shown for the country.
    assert by_heading["Also led by UN"] == closest_first[selectors.SEE_ALSO_EACH :]


def test_predecessors_and_successors_are_listed_when_published(client):
    before = make_case(title="Observer mission before", **started(1998))
    after = make_case(title="Mission after", **started(2006))
    hidden = make_case(title="Draft successor", status=Status.DRAFT, **started(2007))
    case = make_case(title="The case", **started(2000))
    case.predecessors.set([before])
    case.successors.set([after, hidden])

    html = see_also_section(client, case)

    assert f'Preceded by <a href="{before.get_absolute_url()}">' in html
    assert f'Succeeded by <a href="{after.get_absolute_url()}">' in html
    assert "Draft successor" not in html


def test_see_also_is_three_queries_however_many_neighbours(django_assert_num_queries):
    countries = [make_country("HT", "Haiti"), make_country("DO", "Dominican Republic")]
    organizations = [make_organization("un"), make_organization("oas")]
    challenges = [make_challenge("consent"), make_challenge("spoilers")]
    case = make_case(organizations=organizations, countries=countries, challenges=challenges)
    for n in range(12):
        make_case(organizations=organizations, countries=countries, challenges=challenges, **started(1990 + n))
    loaded = selectors.case_studies_with_facts(CaseStudy.objects.published()).get(pk=case.pk)

    with django_assert_num_queries(3):  # one per kind of neighbour
        page = selectors.see_also(loaded)

    assert sum(len(group["cases"]) for group in page["groups"]) == 3 * selectors.SEE_ALSO_EACH


def test_a_case_study_with_no_neighbours_has_no_see_also(client):
    case = make_case(title="Alone")

    html = client.get(case.get_absolute_url()).content.decode()

    assert 'id="see-also"' not in html
