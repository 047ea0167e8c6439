"""
The shipped content keeps the casebook's promises: every entry cites the instrument that
established its operation, no infobox fact is left without a source or an "unverified" mark,
and its dates stay within what its instruments allow.

These read the content files themselves (cases/content/), not a database: a wrong entry fails
here before anyone loads it.
"""

import datetime

import pytest

from cases.content_loader import parse_cite, read_documents
from cases.models import CaseStudy

# An instrument may record the end of a mandate that has just lapsed: resolution 1997 (2011)
# withdrew UNMIS two days after its mandate ran out on 9 July 2011. A month allows for that and
# still catches an ending instrument that belongs to another operation or carries a wrong date.
ENDING_INSTRUMENT_MARGIN = datetime.timedelta(days=31)


def as_date(value):
    if value in (None, ""):
        return None
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


@pytest.fixture(scope="module")
def content():
    records, _ = read_documents()
    return records["case_study"], records["sources"]


def instruments(case, role=None):
    return [item for item in case.get("instruments") or [] if role is None or item.get("role") == role]


def assert_none(problems):
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(sorted(problems))


def test_there_is_content_to_check(content):
    case_studies, sources = content
    assert len(case_studies) > 10 and len(sources) > 10


def test_every_case_study_cites_its_establishing_instrument(content):
    case_studies, sources = content
    problems = []
    for slug, case in case_studies.items():
        establishing = instruments(case, "establishing")
        if not establishing:
            problems.append(f"{slug}: no instrument with role 'establishing'")
        for item in instruments(case):
            key, _ = parse_cite(item.get("source"))
            if key not in sources:
                problems.append(f"{slug}: instrument source '{key}' is not defined under 'sources'")
    assert_none(problems)


def test_every_infobox_fact_is_cited_or_marked_unverified(content):
    case_studies, _ = content
    problems = []
    for slug, case in case_studies.items():
        cited = {fact for fact, entries in (case.get("fact_citations") or {}).items() if entries}
        unverified = set(case.get("unverified") or [])
        if unknown := unverified - set(CaseStudy.CITABLE_FACTS):
            problems.append(f"{slug}: 'unverified' names facts that do not exist: {sorted(unknown)}")
        for fact in CaseStudy.CITABLE_FACTS:
            if fact == "end_date" and not case.get("end_date"):
                continue  # an ongoing operation has no end to cite
            if fact not in cited and fact not in unverified:
                problems.append(f"{slug}: '{fact}' is neither cited in fact_citations nor listed under 'unverified'")
    assert_none(problems)


def test_an_operation_does_not_start_before_the_instrument_that_established_it(content):
    case_studies, _ = content
    problems = []
    for slug, case in case_studies.items():
        start = as_date(case["start_date"])
        for item in instruments(case, "establishing"):
            if start < as_date(item["date"]):
                problems.append(
                    f"{slug}: starts {start}, before its establishing instrument {item['source']} ({item['date']})"
                )
    assert_none(problems)


def test_an_ending_instrument_is_not_dated_long_after_the_end(content):
    case_studies, _ = content
    problems = []
    for slug, case in case_studies.items():
        end = as_date(case.get("end_date"))
        for item in instruments(case, "ending"):
            if end is None:
                problems.append(f"{slug}: has an ending instrument ({item['source']}) but no end date")
            elif as_date(item["date"]) > end + ENDING_INSTRUMENT_MARGIN:
                problems.append(
                    f"{slug}: ending instrument {item['source']} of {item['date']} is more than "
                    f"{ENDING_INSTRUMENT_MARGIN.days} days after the end, {end}"
                )
    assert_none(problems)


def test_an_operation_ends_after_it_starts_and_only_an_ongoing_one_has_no_end(content):
    case_studies, _ = content
    problems = []
    for slug, case in case_studies.items():
        start, end = as_date(case["start_date"]), as_date(case.get("end_date"))
        if end is not None and end < start:
            problems.append(f"{slug}: ends {end}, before it starts {start}")
        if (case.get("outcome") == CaseStudy.Outcome.ONGOING) != (end is None):
            problems.append(f"{slug}: outcome '{case.get('outcome')}' with end {end}: 'ongoing' if and only if no end")
    assert_none(problems)


def test_every_predecessor_exists_and_started_before_its_successor(content):
    case_studies, _ = content
    problems = []
    for slug, case in case_studies.items():
        start = as_date(case["start_date"])
        for predecessor in case.get("predecessors") or []:
            if predecessor not in case_studies:
                problems.append(f"{slug}: predecessor '{predecessor}' is not a case study")
            elif as_date(case_studies[predecessor]["start_date"]) >= start:
                problems.append(
                    f"{slug}: predecessor {predecessor} started {case_studies[predecessor]['start_date']}, "
                    f"not before this operation's start, {start}"
                )
    assert_none(problems)
