"""The organisation filter carries the role: 'led by' unless another role is chosen."""

import pytest
from django.urls import reverse

from tests.test_filters import casebook  # noqa: F401  (the shared three-mission casebook)

pytestmark = pytest.mark.django_db

LIST = reverse("cases:list")


def titles(client, query=""):
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return [case.title for case in response.context["object_list"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # UN missions are the ones the UN leads: not the AU-led AMISOM nor the NATO-led KFOR.
        ("organization=un", ["Sierra Leone (UNAMSIL)"]),
        ("organization=un&organization_role=lead", ["Sierra Leone (UNAMSIL)"]),
        ("organization=au", ["Somalia (AMISOM)"]),
        ("organization=un&organization_role=authorising", ["Kosovo (KFOR)", "Somalia (AMISOM)"]),
        ("organization=au&organization_role=partner", ["Sierra Leone (UNAMSIL)"]),
        ("organization=un&organization_role=funding", []),
        (
            "organization=un&organization_role=any",
            ["Kosovo (KFOR)", "Sierra Leone (UNAMSIL)", "Somalia (AMISOM)"],
        ),
        ("organization=un&organization=nato", ["Kosovo (KFOR)", "Sierra Leone (UNAMSIL)"]),
        ("organization=un&organization_role=authorising&region=africa", ["Somalia (AMISOM)"]),
        # A role alone chooses nothing.
        ("organization_role=authorising", ["Kosovo (KFOR)", "Sierra Leone (UNAMSIL)", "Somalia (AMISOM)"]),
    ],
)
def test_organisation_filter_means_the_chosen_role(client, casebook, query, expected):  # noqa: F811
    assert titles(client, query) == expected


def test_an_unknown_role_is_explained_and_led_by_applies(client, casebook):  # noqa: F811
    response = client.get(f"{LIST}?organization=un&organization_role=owner")
    assert "Role of the organisation" in [label for label, _ in response.context["filter_errors"]]
    assert [case.title for case in response.context["object_list"]] == ["Sierra Leone (UNAMSIL)"]


def organisation_counts(client, query=""):
    facets = client.get(f"{LIST}?{query}").context["facets"]
    organisation = next(facet for facet in facets if facet["name"] == "organization")
    return {option["value"]: option["count"] for option in organisation["options"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"un": 1, "nato": 1, "au": 1}),
        ("organization_role=authorising", {"un": 2, "nato": 0, "au": 0}),
        ("organization_role=partner", {"un": 0, "nato": 0, "au": 1}),
        ("organization_role=any", {"un": 3, "nato": 1, "au": 2}),
        ("organization_role=any&region=europe", {"un": 1, "nato": 1, "au": 0}),
        ("organization=un&organization_role=authorising", {"un": 2, "nato": 0, "au": 0}),
    ],
)
def test_organisation_counts_are_by_the_chosen_role(client, casebook, query, expected):  # noqa: F811
    assert organisation_counts(client, query) == expected


def test_the_panel_offers_the_roles_and_the_chip_names_the_role(client, casebook):  # noqa: F811
    response = client.get(f"{LIST}?organization=un&organization_role=authorising&region=africa")
    html = response.content.decode()
    assert 'name="organization_role" value="authorising" checked' in html
    for label in ("Led by", "Authorised by", "Funded by", "Partner", "Any role"):
        assert label in html
    chips = {f"{label}: {value}": query for label, value, query in response.context["chips"]}
    # Removing the last organisation drops its role too; removing another filter keeps both.
    assert chips["Organisation (authorised by): Organisation un"] == "region=africa"
    assert chips["Region: Africa"] == "organization=un&organization_role=authorising"


def test_organisation_page_links_to_the_same_case_studies_in_the_list(client, casebook):  # noqa: F811
    page = client.get(reverse("cases:organization_detail", args=["un"]))
    html = page.content.decode()
    assert "?organization=un&amp;organization_role=any" in html
    assert '?organization=un"' in html  # and the missions it leads
    listed = client.get(f"{LIST}?organization=un&organization_role=any").context["paginator"].count
    assert listed == page.context["page_obj"].paginator.count == 3
