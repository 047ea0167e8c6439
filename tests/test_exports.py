"""
Exports: case-study data as CSV and JSON, sources as BibTeX and RIS, citations of a case study.

Every format is read back with a real parser (csv, json, bibtexparser with a LaTeX decoder, a
strict RIS reader) and compared with the data it was made from.
"""

import csv
import datetime
import io
import json
import re

import bibtexparser
import pytest
from bibtexparser.middlewares import SeparateCoAuthors
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from cases.exports import (
    CSV_COLUMNS,
    case_study_rows,
    cite_case_study,
    source_to_bibtex,
    source_to_ris,
    sources_to_bibtex,
    sources_to_ris,
    to_json,
    write_csv,
    write_json,
)
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


def one_line(text):
    return " ".join(text.split())


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


def rows():
    return list(case_study_rows(CaseStudy.objects.all()))


# Case-study rows -------------------------------------------------------------------------------


def test_rows_hold_each_published_case_with_its_published_neighbours(casebook):
    case, odd, second = casebook["case"], casebook["odd"], casebook["second"]
    by_slug = {row["slug"]: row for row in rows()}
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
        "challenges": ["host-state-consent"],
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


def test_rows_follow_the_given_queryset(casebook):
    exported = list(case_study_rows(CaseStudy.objects.filter(slug="other")))
    assert [row["slug"] for row in exported] == ["other"]


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


def test_rows_take_a_fixed_number_of_queries():
    list(case_study_rows(CaseStudy.objects.all()))  # warm the content-type cache, which does not depend on rows
    counts = []
    for n in (2, 8):
        build(n)
        with CaptureQueriesContext(connection) as queries:
            exported = list(case_study_rows(CaseStudy.objects.all()))
        assert all(row["citations"]["start_date"] for row in exported)
        counts.append(len(queries))
    assert len(exported) == 10
    # cases, organisation roles, countries, objectives, challenges, citations with their sources
    assert counts == [6, 6]


# CSV and JSON ----------------------------------------------------------------------------------


def test_csv_reads_back_to_the_rows(casebook):
    stream = io.StringIO(newline="")
    write_csv(rows(), stream)
    reader = csv.DictReader(io.StringIO(stream.getvalue(), newline=""))
    assert reader.fieldnames == CSV_COLUMNS
    read = {record["slug"]: record for record in reader}
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
    assert "draft-source" not in stream.getvalue()
    assert "hidden" not in stream.getvalue()


def test_csv_cells_are_never_run_as_spreadsheet_formulas():
    make_case("formula", title='=HYPERLINK("https://evil.example","x")', acronym="+M1")
    stream = io.StringIO(newline="")
    write_csv(rows(), stream)
    record = next(csv.DictReader(io.StringIO(stream.getvalue(), newline="")))
    assert record["title"] == '\'=HYPERLINK("https://evil.example","x")'
    assert record["acronym"] == "'+M1"


def test_json_reads_back_to_the_rows(casebook):
    expected = rows()
    document = json.loads(to_json(case_study_rows(CaseStudy.objects.all())))
    assert document["count"] == 2
    assert document["case_studies"] == expected
    generated = datetime.datetime.fromisoformat(document["generated_at"])
    assert generated.tzinfo is not None
    stream = io.StringIO()
    write_json(expected, stream)
    assert json.loads(stream.getvalue())["case_studies"] == expected
    assert "draft-source" not in stream.getvalue() and "Not yet checked" not in stream.getvalue()


# BibTeX ----------------------------------------------------------------------------------------


def latex_decoder():
    """pylatexenc as bibtexparser configures it, plus LaTeX's text symbols it does not know."""
    context = get_default_latex_context_db()
    context.add_context_category(
        "latex-text-symbols",
        prepend=True,
        macros=[
            MacroTextSpec("textbraceleft", "{"),
            MacroTextSpec("textbraceright", "}"),
            MacroTextSpec("textasciicircum", "^"),
        ],
    )
    return LatexNodes2Text(latex_context=context, keep_braced_groups=False, math_mode="verbatim")


# Verbatim fields, compared as written.
VERBATIM = {"url", "urldate", "date", "doi", "month", "year"}


def parse_bibtex(text):
    """Entries as {"@type", "@key", field: text or list of names}, LaTeX decoded; fails on any unparsed block."""
    library = bibtexparser.parse_string(text, append_middleware=[SeparateCoAuthors()])
    assert not library.failed_blocks, [block.error for block in library.failed_blocks]
    assert len(library.blocks) == len(library.entries), "only entries, no stray text"
    decoder = latex_decoder()
    entries = []
    for entry in library.entries:
        parsed = {"@type": entry.entry_type, "@key": entry.key}
        for field in entry.fields:
            if field.key in VERBATIM:
                parsed[field.key] = field.value
            elif isinstance(field.value, list):
                parsed[field.key] = [decoder.latex_to_text(name) for name in field.value]
            else:
                parsed[field.key] = decoder.latex_to_text(field.value)
        entries.append(parsed)
    return entries


def test_bibtex_reads_back_to_the_source_with_odd_characters():
    source = make_source(
        "odd-source",
        title=ODD_TITLE,
        authors="Doe, Jane; Department of Peace and Security",
        publisher="Office for Peace & Security #2",
        identifier="S/2000/13_a",
        url="https://example.org/a%20b?x=1&y={2}#frag",
        date=datetime.date(1999, 10, 22),
        accessed=datetime.date(2026, 11, 23),
    )
    (entry,) = parse_bibtex(source_to_bibtex(source))
    assert entry == {
        "@type": "techreport",
        "@key": "odd-source",
        "title": one_line(ODD_TITLE),
        "author": ["Doe, Jane", "Department of Peace and Security"],
        "institution": "Office for Peace & Security #2",
        "type": "UN document",
        "year": "1999",
        "month": "oct",
        "date": "1999-10-22",
        "number": "S/2000/13_a",
        "url": "https://example.org/a%20b?x=1&y=%7B2%7D#frag",
        "urldate": "2026-11-23",
        "note": "Accessed 23 November 2026",
    }


def test_bibtex_keeps_braces_that_do_not_pair_up_and_other_latex_specials():
    title = "Unclosed { brace, closing } first, ^caret and ~tilde"
    (entry,) = parse_bibtex(source_to_bibtex(make_source(title=title)))
    assert entry["title"] == title


@pytest.mark.parametrize(
    ("kind", "entry_type", "publisher_field"),
    [
        (Source.Kind.UN_DOCUMENT, "techreport", "institution"),
        (Source.Kind.REPORT, "techreport", "institution"),
        (Source.Kind.TREATY, "misc", "organization"),
        (Source.Kind.BOOK, "book", "publisher"),
        (Source.Kind.JOURNAL_ARTICLE, "article", "journal"),
        (Source.Kind.NEWS, "misc", "organization"),
        (Source.Kind.WEB_PAGE, "misc", "organization"),
        (Source.Kind.PRESS_RELEASE, "misc", "organization"),
        (Source.Kind.DATASET, "misc", "organization"),
    ],
)
def test_bibtex_entry_type_follows_the_kind_of_source(kind, entry_type, publisher_field):
    source = make_source(kind=kind, publisher="Issuing Body")
    (entry,) = parse_bibtex(source_to_bibtex(source))
    assert entry["@type"] == entry_type
    assert entry[publisher_field] == "Issuing Body"
    if entry_type == "misc":
        assert entry["note"] == Source.Kind(kind).label


def test_bibtex_identifier_is_a_doi_an_isbn_or_a_number():
    doi = make_source(kind=Source.Kind.JOURNAL_ARTICLE, identifier="https://doi.org/10.1080/13533312.2020.1_x")
    book = make_source(kind=Source.Kind.BOOK, identifier="978-0-19-928501-6")
    (doi_entry, book_entry) = parse_bibtex(sources_to_bibtex([doi, book]))
    assert doi_entry["doi"] == "10.1080/13533312.2020.1_x" and "number" not in doi_entry
    assert book_entry["isbn"] == "978-0-19-928501-6"


def test_bibtex_dates_go_no_further_than_their_precision():
    month = make_source(date=datetime.date(2007, 3, 1), date_precision=DatePrecision.MONTH)
    year = make_source(date=datetime.date(2002, 1, 1), date_precision=DatePrecision.YEAR)
    undated = make_source(date=None, publisher="", url="", identifier="")
    month_entry, year_entry, undated_entry = parse_bibtex(sources_to_bibtex([month, year, undated]))
    assert (month_entry["year"], month_entry["month"], month_entry["date"]) == ("2007", "mar", "2007-03")
    assert (year_entry["year"], year_entry["date"]) == ("2002", "2002") and "month" not in year_entry
    assert undated_entry["@type"] == "misc", "a UN document with no issuing body cannot be a techreport"
    assert not {"year", "month", "date", "url", "institution"} & set(undated_entry)


def test_draft_sources_never_appear_in_source_exports(casebook):
    everything = Source.objects.all()
    bibtex, ris = sources_to_bibtex(everything), sources_to_ris(everything)
    assert [entry["@key"] for entry in parse_bibtex(bibtex)] == ["odd-source", "second-source"]
    assert [record["ID"] for record in parse_ris(ris)] == [["odd-source"], ["second-source"]]
    for text in (bibtex, ris):
        assert "draft-source" not in text and "Not yet checked" not in text


# RIS -------------------------------------------------------------------------------------------

RIS_LINE = re.compile(r"^([A-Z][A-Z0-9])  - (.*)$")


def parse_ris(text):
    """Records as {tag: [values]}; strict: CR LF lines, TY first, ER last, blank lines only between records."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    records, current = [], None
    for number, line in enumerate(text.split("\r\n")[:-1], 1):
        if current is None and line == "":
            continue
        match = RIS_LINE.match(line if line != "ER  -" else "ER  - ")
        assert match, f"line {number} is not a RIS line: {line!r}"
        tag, value = match.groups()
        if current is None:
            assert tag == "TY", f"line {number}: a record must start with TY"
            current = {}
        if tag == "ER":
            assert value == ""
            records.append(current)
            current = None
            continue
        current.setdefault(tag, []).append(value)
    assert current is None, "the last record is not closed by ER"
    return records


def test_ris_reads_back_to_the_source_with_odd_characters():
    source = make_source(
        "odd-source",
        kind=Source.Kind.REPORT,
        title=ODD_TITLE,
        authors="Doe, Jane; Roe, Richard",
        publisher="Office for Peace & Security",
        identifier="S/2000/13",
        url="https://example.org/a%20b?x=1&y=2",
        date=datetime.date(1999, 10, 22),
        accessed=datetime.date(2026, 11, 23),
    )
    (record,) = parse_ris(source_to_ris(source))
    assert record == {
        "TY": ["RPRT"],
        "ID": ["odd-source"],
        "TI": [one_line(ODD_TITLE)],
        "AU": ["Doe, Jane", "Roe, Richard"],
        "PB": ["Office for Peace & Security"],
        "PY": ["1999"],
        "DA": ["1999/10/22/"],
        "M1": ["S/2000/13"],
        "UR": ["https://example.org/a%20b?x=1&y=2"],
        "Y2": ["2026/11/23"],
    }


@pytest.mark.parametrize(
    ("kind", "ris_type"),
    [
        (Source.Kind.UN_DOCUMENT, "GOVDOC"),
        (Source.Kind.REPORT, "RPRT"),
        (Source.Kind.TREATY, "LEGAL"),
        (Source.Kind.BOOK, "BOOK"),
        (Source.Kind.JOURNAL_ARTICLE, "JOUR"),
        (Source.Kind.NEWS, "NEWS"),
        (Source.Kind.WEB_PAGE, "ELEC"),
        (Source.Kind.DATASET, "DATA"),
        (Source.Kind.PRESS_RELEASE, "GEN"),
    ],
)
def test_ris_type_follows_the_kind_of_source(kind, ris_type):
    (record,) = parse_ris(source_to_ris(make_source(kind=kind)))
    assert record["TY"] == [ris_type]


def test_ris_dates_identifiers_and_journals():
    article = make_source(
        kind=Source.Kind.JOURNAL_ARTICLE,
        publisher="International Peacekeeping",
        identifier="10.1080/13533312.2020.1",
        date=datetime.date(2007, 3, 1),
        date_precision=DatePrecision.MONTH,
    )
    book = make_source(
        kind=Source.Kind.BOOK, identifier="978-0-19-928501-6", date=datetime.date(2002, 1, 1), date_precision="year"
    )
    bare = make_source(date=None, publisher="", url="", identifier="")
    article_record, book_record, bare_record = parse_ris(sources_to_ris([article, book, bare]))
    assert article_record["T2"] == ["International Peacekeeping"] and "PB" not in article_record
    assert article_record["DO"] == ["10.1080/13533312.2020.1"]
    assert article_record["DA"] == ["2007/03//"]
    assert book_record["SN"] == ["978-0-19-928501-6"] and book_record["DA"] == ["2002///"]
    assert set(bare_record) == {"TY", "ID", "TI"}


# Citing a case study ---------------------------------------------------------------------------


def test_case_study_citations_name_title_site_dates_and_permanent_url():
    case = make_case("kosovo-kfor", title='Kosovo Force (KFOR) & the 1999 "Kumanovo" {agreement}')
    CaseStudy.objects.filter(pk=case.pk).update(updated_at=datetime.datetime(2026, 3, 5, 12, tzinfo=datetime.UTC))
    case.refresh_from_db()
    cited = cite_case_study(case, accessed=datetime.date(2026, 11, 23))
    url = f"{SITE}/cases/kosovo-kfor/"
    assert cited["apa"] == (
        f"{case.title}. (2026, March 5). Peacekeeping Casebook. Retrieved November 23, 2026, from {url}"
    )
    assert cited["chicago"] == (
        f"\u201c{case.title}.\u201d Peacekeeping Casebook. Last modified March 5, 2026. "
        f"Accessed November 23, 2026. {url}."
    )
    (entry,) = parse_bibtex(cited["bibtex"])
    assert entry == {
        "@type": "misc",
        "@key": "casebook-kosovo-kfor",
        "title": case.title,
        "howpublished": "Peacekeeping Casebook",
        "year": "2026",
        "month": "mar",
        "url": url,
        "urldate": "2026-11-23",
        "note": "Last updated 5 March 2026. Accessed 23 November 2026",
    }


def test_case_study_citation_is_accessed_today_by_default():
    case = make_case(title="A question?")
    cited = cite_case_study(case)
    today = timezone.localdate()
    assert f"Retrieved {today:%B} {today.day}, {today.year}" in cited["apa"]
    assert cited["apa"].startswith("A question? ("), "no full stop after a question mark"
    assert f"urldate = {{{today.isoformat()}}}" in cited["bibtex"]
