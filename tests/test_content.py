import re

import pytest
from django.core.management import CommandError, call_command

from cases.citations import parse_citations
from cases.content_loader import load_content
from cases.models import CaseStudy, Challenge, Citation, LegalInstrument, Organization, Source, Status

pytestmark = pytest.mark.django_db

REQUIRED = ["sierra-leone-unamsil", "kosovo-kfor", "somalia-amisom"]
SHORTER = [
    "middle-east-untso",
    "egypt-unef-i",
    "bosnia-ifor",
    "east-timor-untaet",
    "liberia-unmil",
    "afghanistan-isaf",
    "haiti-minustah",
    "mali-minusma",
]
ORGANIZATIONS = ["un", "nato", "au", "eu", "osce", "ecowas", "asean", "csto"]


@pytest.fixture
def loaded(shipped_casebook_for_module, db):
    """The shipped content (see tests/conftest.py), each test's changes rolled back."""


def sections(markdown):
    return re.split(r"^## ", markdown, flags=re.M)[1:]


def test_loading_twice_changes_nothing(loaded):
    assert CaseStudy.objects.count() > 0
    second = load_content()
    assert second.changed == 0, list(second.lines())


def test_dry_run_writes_nothing(db, tmp_path, capsys):
    (tmp_path / "one.yaml").write_text("sources:\n  - {key: a-source, kind: web_page, title: A}\n")
    call_command("load_content", "--dry-run", "--path", str(tmp_path))
    assert "Dry run: 1 change(s) found" in capsys.readouterr().out
    assert not Source.objects.filter(key="a-source").exists()


def test_bad_content_is_refused_with_a_clear_message_and_loads_nothing(db, tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "sources:\n  - {key: a-source, kind: web_page, title: A}\n"
        "case_study:\n  slug: x\n  title: X\n  region: africa\n  countries: [QQ]\n"
    )
    with pytest.raises(CommandError, match="unknown country code 'QQ'"):
        call_command("load_content", "--path", str(tmp_path))
    assert not Source.objects.filter(key="a-source").exists()


def test_conflicting_copies_of_a_record_are_refused(db, tmp_path):
    (tmp_path / "a.yaml").write_text("sources:\n  - {key: s, kind: web_page, title: One}\n")
    (tmp_path / "b.yaml").write_text("sources:\n  - {key: s, kind: web_page, title: Two}\n")
    with pytest.raises(CommandError, match="defined, differently"):
        call_command("load_content", "--path", str(tmp_path))


def test_all_entries_load_published(loaded):
    assert set(REQUIRED + SHORTER) <= set(CaseStudy.objects.published().values_list("slug", flat=True))
    assert set(ORGANIZATIONS) <= set(Organization.objects.published().values_list("slug", flat=True))
    assert Challenge.objects.published().count() >= 8


@pytest.mark.parametrize("slug", REQUIRED)
def test_required_case_studies_are_full_and_cited(loaded, slug):
    case = CaseStudy.objects.get(slug=slug)
    assert case.status == Status.PUBLISHED
    body_sections = sections(case.body)
    assert len(body_sections) >= 4
    for section in body_sections:
        assert parse_citations(section), f"uncited section: {section[:60]}"
    assert parse_citations(case.summary)
    facts = set(case.citations.values_list("field", flat=True))
    wanted = {"mission", "countries", "organizations", "mandate_type", "start_date", "outcome", "objectives"}
    if case.end_date:
        wanted.add("end_date")
    assert wanted <= facts
    assert case.timeline_events.count() >= 6
    for event in case.timeline_events.all():
        assert event.citations.exists() or parse_citations(event.description), event.title
    assert case.case_challenges.count() >= 3
    for item in case.case_challenges.all():
        assert item.citations.exists() or parse_citations(item.description)
    assert case.contributions.exists()
    assert case.strength_figures.exists()
    assert case.peak_authorised_strength or slug == "kosovo-kfor"
    roles = set(case.instruments.values_list("role", flat=True))
    assert LegalInstrument.Role.ESTABLISHING in roles


def test_resolutions_are_cited_by_symbol_with_their_undocs_address(loaded):
    for key in ["unsc-res-1270-1999", "unsc-res-1244-1999", "unsc-res-1744-2007", "unsc-res-2124-2013"]:
        source = Source.objects.get(key=key)
        assert source.identifier.startswith("S/RES/")
        assert source.url.startswith("https://undocs.org/S/RES/")


def test_every_cited_key_and_citation_row_points_at_a_published_source(loaded):
    published = set(Source.objects.published().values_list("key", flat=True))
    for model in (CaseStudy, Organization, Challenge):
        for record in model.objects.all():
            for text in (record.summary, record.body):
                assert {ref.key for ref in parse_citations(text)} <= published
    assert not Citation.objects.exclude(source__status=Status.PUBLISHED).exists()


def test_content_files_pass_the_citation_gate_to_be_published(db, tmp_path):
    (tmp_path / "case.yaml").write_text(
        """
sources:
  - {key: draft-report, kind: report, title: A draft report, status: draft}
countries:
  - {code: SL, name: Sierra Leone, region: africa}
case_study:
  slug: a-case
  title: A case
  mission_name: A mission
  region: africa
  countries: [SL]
  mandate_type: observer
  start_date: 1999-10-22
  outcome: ongoing
  depth: summary
  unverified: [mission, countries, organizations, mandate_type, start_date, outcome, objectives]
  summary: A claim. [[cite:draft-report]]
"""
    )
    with pytest.raises(CommandError, match="a-case.*cannot be published.*A draft report"):
        call_command("load_content", "--path", str(tmp_path))
    assert not CaseStudy.objects.filter(slug="a-case").exists()
