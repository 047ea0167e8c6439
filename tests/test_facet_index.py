"""The facet index (what the list counts facets from) follows every change, by every route."""

import datetime

import pytest
import reversion
from django.core.management import call_command
from django.urls import reverse

from cases import facet_index, history
from cases.models import CaseChallenge, CaseOrganization, CaseStudy, CaseStudyFacet, Status
from tests.factories import make_case, make_challenge, make_country, make_objective, make_organization

pytestmark = pytest.mark.django_db


def rows():
    fields = ("case_study_id", "facet", "option", "role", "region", "mandate_type", "outcome", "depth", "ongoing")
    return set(CaseStudyFacet.objects.values_list(*fields))


def options_of(case):
    return set(CaseStudyFacet.objects.filter(case_study=case).values_list("facet", "option"))


@pytest.fixture
def linked():
    un, au = make_organization("un"), make_organization("au")
    sierra_leone, somalia = make_country("SL", "Sierra Leone"), make_country("SO", "Somalia")
    consent, threats = make_challenge("host-state-consent"), make_challenge("asymmetric-threats")
    ddr, elections = make_objective("ddr"), make_objective("elections")
    case = make_case(
        organizations=[(un, "lead"), (un, "authorising"), au],
        countries=[sierra_leone],
        challenges=[consent],
        objectives=[ddr, elections],
        end_date=None,
        outcome=CaseStudy.Outcome.ONGOING,
    )
    other = make_case(organizations=[au], countries=[somalia], challenges=[threats])
    return {
        "case": case,
        "other": other,
        "un": un,
        "au": au,
        "sierra_leone": sierra_leone,
        "somalia": somalia,
        "consent": consent,
        "threats": threats,
        "ddr": ddr,
    }


def test_a_published_case_study_carries_one_row_per_facet_option_and_role(linked):
    records = linked
    organisation_rows = CaseStudyFacet.objects.filter(case_study=records["case"], facet="organization")
    assert set(organisation_rows.values_list("option", "role", "depth")) == {
        (records["un"].pk, "lead", "full"),
        (records["un"].pk, "authorising", "full"),  # a row per role it holds, so roles count apart
        (records["au"].pk, "lead", "full"),
    }
    assert options_of(records["case"]) == {
        ("organization", records["un"].pk),
        ("organization", records["au"].pk),
        ("country", records["sierra_leone"].pk),
        ("challenge", records["consent"].pk),
        ("objective", records["ddr"].pk),
        ("objective", records["case"].objectives.get(slug="elections").pk),
    }


def test_only_published_case_studies_have_rows(linked, reviewer):
    case = linked["case"]
    case.transition_to(Status.DRAFT, user=reviewer)
    assert options_of(case) == set()
    draft = make_case(organizations=[linked["un"]], status=Status.DRAFT)
    assert options_of(draft) == set()
    case.transition_to(Status.REVIEW, user=reviewer)
    case.transition_to(Status.PUBLISHED, user=reviewer)
    assert ("organization", linked["un"].pk) in options_of(case)


def edit_fields(records):
    records["case"].region, records["case"].end_date = "europe", datetime.date(2010, 1, 1)
    records["case"].save()


def unpublish(records):
    records["case"].status = Status.DRAFT
    records["case"].save()


def add_role(records):
    CaseOrganization.objects.create(case_study=records["other"], organization=records["un"], role="partner")


def change_role(records):
    role = records["other"].roles.get()
    role.organization = records["un"]
    role.save()


def delete_one_of_two_roles(records):
    records["case"].roles.filter(role="authorising").delete()


def delete_roles(records):
    CaseOrganization.objects.filter(organization=records["un"]).delete()


def change_challenges(records):
    CaseChallenge.objects.create(case_study=records["case"], challenge=records["threats"], description="D.")
    CaseChallenge.objects.filter(challenge=records["consent"]).delete()


def set_countries(records):
    records["case"].countries.set([records["somalia"]])


def clear_objectives(records):
    records["case"].objectives.clear()


def add_from_the_country(records):
    records["somalia"].case_studies.add(records["case"])


def remove_from_the_country(records):
    records["sierra_leone"].case_studies.remove(records["case"])


def clear_from_the_country(records):
    records["somalia"].case_studies.clear()


def clear_from_the_objective(records):
    records["ddr"].case_studies.clear()


def delete_the_case_study(records):
    records["case"].delete()


def delete_a_country(records):
    records["sierra_leone"].delete()


def delete_an_objective(records):
    records["ddr"].delete()


def delete_in_bulk(records):
    CaseStudy.objects.filter(pk=records["other"].pk).delete()


@pytest.mark.parametrize(
    "change",
    [
        edit_fields,
        unpublish,
        add_role,
        change_role,
        delete_one_of_two_roles,
        delete_roles,
        change_challenges,
        set_countries,
        clear_objectives,
        add_from_the_country,
        remove_from_the_country,
        clear_from_the_country,
        clear_from_the_objective,
        delete_the_case_study,
        delete_a_country,
        delete_an_objective,
        delete_in_bulk,
    ],
)
def test_every_change_leaves_the_index_as_a_rebuild_would(linked, change):
    before = rows()
    change(linked)
    after = rows()
    # The change touched the index (each role an organisation holds is a row of its own)...
    assert after != before
    facet_index.rebuild()
    assert after == rows()  # ...and left it exactly as it should be


def test_restoring_a_version_restores_its_facet_rows(linked, reviewer):
    case = linked["case"]
    with reversion.create_revision():
        case.save()
    original = options_of(case)
    with reversion.create_revision():
        case.countries.set([linked["somalia"]])
        case.roles.all().delete()
        case.save()
    assert options_of(case) != original
    history.restore(history.versions_of(case).last(), user=reviewer)
    assert options_of(case) == original


def test_the_shipped_content_loads_with_its_facet_rows(shipped_casebook):
    loaded = rows()
    assert {row[1] for row in loaded} == {"organization", "country", "challenge", "objective"}
    facet_index.rebuild()
    assert loaded == rows()


def test_rebuild_command_rewrites_an_index_lost_or_damaged(linked):
    expected = rows()
    CaseStudyFacet.objects.filter(facet="organization").delete()
    CaseStudyFacet.objects.create(
        case_study=linked["other"],
        facet="country",
        option=linked["sierra_leone"].pk,
        region="asia",
        mandate_type="observer",
        outcome="completed",
        depth="summary",
        ongoing=False,
    )
    call_command("rebuild_search_index", verbosity=0)
    assert rows() == expected


def test_list_counts_follow_an_edited_link(client, linked):
    def organisation_counts():
        response = client.get(reverse("cases:list"), {"region": "africa"})
        facet = next(facet for facet in response.context["facets"] if facet["name"] == "organization")
        return {option["value"]: option["count"] for option in facet["options"]}

    assert organisation_counts() == {"au": 2, "un": 1}
    change_role(linked)
    assert organisation_counts() == {"au": 1, "un": 2}
