"""Facet counts: each option's number is what choosing it would give, given the other filters."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.test_filters import casebook  # noqa: F401  (the shared three-mission casebook)

pytestmark = pytest.mark.django_db

LIST = reverse("cases:list")


def facets(client, query=""):
    response = client.get(f"{LIST}?{query}")
    return {facet["name"]: {o["value"]: o for o in facet["options"]} for facet in response.context["facets"]}


@pytest.mark.parametrize(
    "query",
    [
        "",
        "organization=un",
        "region=africa",
        "organization=au&mandate_type=enforcement",
        "challenge=asymmetric-threats&ongoing=false",
        "q=mission&region=europe&region=africa",
        "active_in=2006&country=so",
        "organization=un&organization_role=authorising",
        "organization_role=any&region=africa",
        "organization_role=partner&challenge=host-state-consent",
        "organization=au&organization=nato&organization_role=any&depth=full",
        "depth=full&region=africa",
        "depth=summary&organization_role=authorising&q=mission",
    ],
)
def test_counts_match_the_list_each_option_would_give(client, casebook, query):  # noqa: F811
    for name, options in facets(client, query).items():
        for value, option in options.items():
            if option["selected"] and name != "ongoing":
                continue
            # Choosing the option: the facet's own selection replaced by it (what the count promises).
            kept = "&".join(part for part in query.split("&") if part and not part.startswith(f"{name}="))
            target = f"{kept}&{name}={value}" if kept else f"{name}={value}"
            expected = client.get(f"{LIST}?{target}").context["paginator"].count
            assert option["count"] == expected, (name, value, query)


def test_zero_options_are_disabled_and_selected_ones_checked(client, casebook):  # noqa: F811
    html = client.get(f"{LIST}?region=europe").content.decode()
    assert 'name="region" value="europe" checked' in html
    assert 'name="outcome" value="completed" disabled' in html


def test_chips_remove_one_filter_and_keep_the_others(client, casebook):  # noqa: F811
    response = client.get(f"{LIST}?organization=un&region=africa&sort=title")
    chips = {f"{label}: {value}": query for label, value, query in response.context["chips"]}
    assert chips["Region: Africa"] == "organization=un&sort=title"
    assert "Clear all" in response.content.decode()


def test_empty_results_say_which_filters_to_loosen(client, casebook):  # noqa: F811
    html = client.get(f"{LIST}?organization=nato&region=africa").content.decode()
    assert "No case study matches these filters." in html
    assert "remove “Organisation (led by):" in html and "remove “Region: Africa”" in html


@pytest.mark.parametrize(
    "query",
    ["", "organization=un&challenge=host-state-consent&country=sl&objective=ddr&region=africa&q=sierra&sort=-start"],
)
def test_list_page_stays_within_ten_queries_with_facets(client, casebook, query):  # noqa: F811
    client.get(f"{LIST}?{query}")
    with CaptureQueriesContext(connection) as queries:
        client.get(f"{LIST}?{query}")
    assert len(queries) <= 10, [q["sql"][:120] for q in queries]


@pytest.fixture
def many_organisations(casebook):  # noqa: F811
    from tests.factories import make_case, make_organization

    organisations = [make_organization(f"org{number:02}", name=f"Organisation {number:02}") for number in range(25)]
    for number, organisation in enumerate(organisations):
        for _ in range(number % 3 + 1):  # org00: 1 case, org01: 2, org02: 3, org03: 1...
            make_case(organizations=[organisation])
    return organisations


def test_long_facets_show_the_most_frequent_options_and_link_to_all(client, many_organisations):
    response = client.get(f"{LIST}?organization=org00")
    organisation = next(facet for facet in response.context["facets"] if facet["name"] == "organization")
    shown = [option["value"] for option in organisation["options"]]
    assert len(shown) == 12 and organisation["total"] == 28  # 25 + UN, NATO and AU
    assert shown[0] == "org00"  # the chosen one stays, though it has few results
    counts = [option["count"] for option in organisation["options"][1:]]
    assert counts == sorted(counts, reverse=True) and min(counts) >= 1
    html = response.content.decode()
    assert "Show all 28 options" in html
    assert "?organization=org00&amp;more=organization#facet-organization" in html

    expanded = client.get(f"{LIST}?organization=org00&more=organization")
    organisation = next(facet for facet in expanded.context["facets"] if facet["name"] == "organization")
    assert len(organisation["options"]) == 28
    assert organisation["options"][0]["value"] == "org00"  # the chosen one first, the rest by name
    rest = [option["label"] for option in organisation["options"][1:]]
    assert rest == sorted(rest)
    html = expanded.content.decode()
    assert 'name="more" value="organization"' in html  # applying filters keeps the facet open
    assert "?organization=org00#facet-organization" in html and "Show fewer" in html
    assert expanded.context["paginator"].count == 1  # `more` changes the panel, never the results
