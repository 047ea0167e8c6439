"""
Data exports: the case studies as CSV and JSON, read back with a real parser and compared with
the data they were made from. (BibTeX, RIS and citations: tests/test_bibliography.py.)
"""

import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from cases.exports import CSV_COLUMNS
from cases.models import CaseStudy, DatePrecision, Source, Status
from tests.factories import (
    add_strength,
    cite,
    make_case,
    make_challenge,
    make_country,
    make_objective,
    make_organization,
    make_source,
)

pytestmark = pytest.mark.django_db

SITE = "https://casebook.example.org"
# Characters that each format must carry through: LaTeX specials, quotes, a comma, accents and
# a line break.
ODD_TITLE = 'Peace & "War" {draft} 100% #1 _under_ $5, Côte d\'Ivoire ~ back\\slash\nsecond line'


@pytest.fixture(autouse=True)
def site_url():
    with override_settings(SITE_URL=SITE):
        yield


@pytest.fixture
def casebook():
    """A published case with published and unpublished neighbours, sources and citations."""
    un = make_organization("un", name="United Nations")
    ecowas = make_organization("ecowas", name="Economic Community of West African States")
    hidden_org = make_organization("hidden-org", status=Status.DRAFT)
    consent = make_challenge("host-state-consent")
    hidden_challenge = make_challenge("hidden-challenge", status=Status.REVIEW)
    odd = make_source("odd-source", title=ODD_TITLE, identifier="S/RES/1270 (1999)")
    second = make_source("second-source", kind=Source.Kind.PRESS_RELEASE, title="Press release, Freetown")
    draft = make_source("draft-source", status=Status.DRAFT, title="Not yet checked")
    case = make_case(
        "sierra-leone",
        title=ODD_TITLE,
        mission_name="United Nations Mission in Sierra Leone",
        acronym="UNAMSIL",
        organizations=[(ecowas, "partner"), un, (hidden_org, "funding")],
        countries=[make_country("SL", "Sierra Leone"), make_country("LR", "Liberia")],
        challenges=[consent, hidden_challenge],
        objectives=[make_objective("ddr"), make_objective("elections")],
        start_precision=DatePrecision.DAY,
        end_date=None,
        outcome=CaseStudy.Outcome.ONGOING,
        unverified_facts=[],
    )
    add_strength(case, 17500, odd)
    add_strength(case, 20000, odd, kind="deployed")
    cite(case, odd, field="start_date", locator="para. 9")
    cite(case, second, field="start_date")
    cite(case, second, field="organizations")
    cite(case, draft, field="mandate_type")
    cite(case, odd)  # the whole record: not an infobox fact
    other = make_case("other", title="Another case")
    cite(other, draft, field="start_date")
    make_case("unpublished", status=Status.DRAFT)
    return {"case": case, "other": other, "odd": odd, "second": second, "draft": draft}


def exported_json(client, **filters):
    """The JSON export of the list with these filters, as served, parsed."""
    response = client.get(reverse("cases:export", args=["json"]), filters)
    assert response.streaming and response["Content-Type"] == "application/json"
    return json.loads(b"".join(response.streaming_content))


def exported_csv(client, **filters):
    """The CSV export of the list with these filters, as served: its records by slug, read by a CSV parser."""
    response = client.get(reverse("cases:export", args=["csv"]), filters)
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff"), "a byte order mark tells spreadsheets the file is UTF-8"
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    assert reader.fieldnames == CSV_COLUMNS
    return {record["slug"]: record for record in reader}, text


# Case-study rows -------------------------------------------------------------------------------


def test_rows_hold_each_published_case_with_its_published_neighbours(client, casebook):
    case, odd, second = casebook["case"], casebook["odd"], casebook["second"]
    by_slug = {row["slug"]: row for row in exported_json(client)["case_studies"]}
    assert set(by_slug) == {"sierra-leone", "other"}, "a draft case study is never exported"
    case.refresh_from_db()
    assert by_slug["sierra-leone"] == {
        "slug": "sierra-leone",
        "title": ODD_TITLE,
        "mission_name": "United Nations Mission in Sierra Leone",
        "acronym": "UNAMSIL",
        "depth": "full",
        "region": "africa",
        "countries": ["LR", "SL"],
        "country_names": ["Liberia", "Sierra Leone"],
        "organizations": [
            {"slug": "un", "name": "United Nations", "role": "lead"},
            {"slug": "ecowas", "name": "Economic Community of West African States", "role": "partner"},
        ],
        "mandate_type": "multidimensional",
        "start_date": "1999-10-22",
        "start_precision": "day",
        "end_date": None,
        "end_precision": "day",
        "outcome": "ongoing",
        "objectives": ["ddr", "elections"],
        "objective_names": ["DDR", "ELECTIONS"],
        "challenges": ["host-state-consent"],
        "challenge_names": ["Host state consent"],
        "peak_authorised_strength": 17500,
        "peak_deployed_strength": 20000,
        "unverified_facts": [],
        "url": f"{SITE}/cases/sierra-leone/",
        "updated_at": case.updated_at.isoformat(),
        "citations": {
            "mission": [],
            "countries": [],
            "organizations": [
                {
                    "key": "second-source",
                    "title": second.title,
                    "identifier": second.identifier,
                    "url": second.url,
                    "locator": "",
                }
            ],
            "mandate_type": [],
            "start_date": [
                {
                    "key": "odd-source",
                    "title": ODD_TITLE,
                    "identifier": "S/RES/1270 (1999)",
                    "url": odd.url,
                    "locator": "para. 9",
                },
                {
                    "key": "second-source",
                    "title": second.title,
                    "identifier": second.identifier,
                    "url": second.url,
                    "locator": "",
                },
            ],
            "end_date": [],
            "outcome": [],
            "objectives": [],
        },
    }
    assert by_slug["other"]["citations"]["start_date"] == [], "a fact cited only to a draft source has no citation"


def build(n):
    """n published case studies, each with organisations, countries, objectives, challenges and citations."""
    lead = make_organization(f"lead-{n}")
    challenge = make_challenge(f"challenge-{n}")
    sources = [make_source(), make_source()]
    for i in range(n):
        case = make_case(
            organizations=[lead, (make_organization(f"partner-{n}-{i}"), "partner")],
            countries=[make_country("SL"), make_country("LR", "Liberia")],
            objectives=[make_objective("ddr")],
            challenges=[challenge, make_challenge(f"other-{n}-{i}")],
        )
        for source in sources:
            cite(case, source, field="start_date")
            cite(case, source, field="organizations", locator="p. 2")


def test_rows_take_a_fixed_number_of_queries(client):
    exported_json(client)  # warm the content-type cache, which does not depend on rows
    counts = []
    for n in (2, 8):
        build(n)
        with CaptureQueriesContext(connection) as queries:
            exported = exported_json(client)["case_studies"]
        assert all(row["citations"]["start_date"] for row in exported)
        counts.append(len(queries))
    assert len(exported) == 10
    # The content version and the filters' options, as for the list; the ids in the list's order;
    # then for the batch: cases, organisation roles, countries, objectives, challenges, citations
    # with their sources.
    assert counts == [9, 9]


# CSV and JSON ----------------------------------------------------------------------------------


def test_csv_reads_back_to_the_rows(client, casebook):
    read, text = exported_csv(client)
    assert set(read) == {"sierra-leone", "other"}, "a draft case study is never exported"
    record = read["sierra-leone"]
    assert record["title"] == ODD_TITLE
    assert record["countries"] == "LR; SL"
    assert record["organizations"] == "un (lead); ecowas (partner)"
    assert record["objectives"] == "ddr; elections"
    assert record["challenges"] == "host-state-consent"
    assert record["end_date"] == "" and record["peak_authorised_strength"] == "17500"
    assert read["other"]["peak_authorised_strength"] == ""
    assert record["sources"] == "second-source; odd-source"
    assert record["url"] == f"{SITE}/cases/sierra-leone/"
    assert read["other"]["sources"] == ""
    assert "draft-source" not in text
    assert "hidden" not in text


def test_csv_cells_are_never_run_as_spreadsheet_formulas(client):
    make_case("formula", title='=HYPERLINK("https://evil.example","x")', acronym="+M1")
    record = exported_csv(client)[0]["formula"]
    assert record["title"] == '\'=HYPERLINK("https://evil.example","x")'
    assert record["acronym"] == "'+M1"


def test_json_is_one_document_of_the_rows_with_their_count(client, casebook):
    response = client.get(reverse("cases:export", args=["json"]))
    text = b"".join(response.streaming_content).decode("utf-8")
    document = json.loads(text)
    assert [row["slug"] for row in document["case_studies"]] == ["other", "sierra-leone"], "the list's order"
    assert document["count"] == 2
    generated = datetime.datetime.fromisoformat(document["generated_at"])
    assert generated.tzinfo is not None
    assert "draft-source" not in text and "Not yet checked" not in text
