"""
Bulk import of references in the admin, and the round trip: what the casebook exports as BibTeX,
RIS and CSL-JSON reads back (bibtexparser, rispy, json) as the same records.
"""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reversion.models import Version

from cases import reference_import
from cases.models import DatePrecision, Source, Status
from tests.factories import make_source

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:cases_source_import"


@pytest.fixture
def exported_sources():
    """Sources of every kind with the details each format must carry."""
    return [
        make_source(
            "unsc-res-1270-1999",
            kind=Source.Kind.UN_DOCUMENT,
            title="Resolution 1270 (1999) on Sierra Leone",
            authors="",
            publisher="United Nations Security Council",
            identifier="S/RES/1270 (1999)",
            url="https://undocs.org/S/RES/1270(1999)",
            date=datetime.date(1999, 10, 22),
            accessed=datetime.date(2026, 11, 2),
        ),
        make_source(
            "doe-roe-2000",
            kind=Source.Kind.JOURNAL_ARTICLE,
            title="Peace & “war” in Côte d'Ivoire: 100% {braced} #1",
            authors="Doe, Jane; Roe, Richard",
            publisher="International Peacekeeping",
            identifier="10.1080/13533310008413852",
            url="https://doi.org/10.1080/13533310008413852",
            date=datetime.date(2000, 3, 1),
            date_precision=DatePrecision.MONTH,
        ),
        make_source(
            "doe-2004-book",
            kind=Source.Kind.BOOK,
            title="A Book on Peace Operations",
            authors="Doe, Jane; Department of Peace and Security",
            publisher="Oxford University Press",
            identifier="978-0-19-000000-0",
            url="",
            date=datetime.date(2004, 1, 1),
            date_precision=DatePrecision.YEAR,
        ),
        make_source(
            "times-2001",
            kind=Source.Kind.NEWS,
            title="Peacekeepers arrive",
            authors="Smith, Ann",
            publisher="The Times",
            identifier="",
            url="https://example.org/news/1",
            date=datetime.date(2001, 5, 2),
            accessed=datetime.date(2026, 1, 5),
        ),
    ]


def record_of(source):
    """What a round trip must keep, read from the model."""
    return {
        "title": " ".join(source.title.split()),
        "authors": source.authors,
        "publisher": source.publisher,
        "date": source.date.isoformat() if source.date else "",
        "date_precision": source.date_precision,
        "identifier": source.identifier,
        "url": source.url,
        "accessed": source.accessed.isoformat() if source.accessed else "",
    }


def read_back(client, fmt):
    response = client.get(reverse("cases:bibliography_export", args=[fmt]))
    return reference_import.read_references(response.content, f"casebook.{fmt}")


@pytest.mark.parametrize("fmt", ["bib", "ris", "json"])
def test_what_the_casebook_exports_reads_back_as_the_same_records(client, exported_sources, fmt):
    references = read_back(client, fmt)
    assert [reference["problem"] for reference in references] == [""] * len(exported_sources)
    by_title = {reference["fields"]["title"]: reference["fields"] for reference in references}
    for source in exported_sources:
        expected = record_of(source)
        got = by_title[expected["title"]]
        assert {name: got[name] for name in expected} == expected, source.key


@pytest.mark.parametrize("fmt", ["bib", "ris"])
def test_bibtex_and_ris_keep_the_kind_of_every_source(client, exported_sources, fmt):
    kinds = {reference["fields"]["title"]: reference["fields"]["kind"] for reference in read_back(client, fmt)}
    assert kinds == {" ".join(source.title.split()): source.kind for source in exported_sources}


def test_reimporting_the_casebooks_own_export_finds_only_duplicates(client, exported_sources):
    entries = reference_import.dry_run(read_back(client, "json"))
    assert reference_import.counts(entries) == {"new": 0, "duplicate": len(exported_sources), "invalid": 0}
    assert {entry.duplicate_of.key for entry in entries} == {source.key for source in exported_sources}


# The dry run -------------------------------------------------------------------------------

RIS_FILE = """TY  - JOUR
TI  - Matched by DOI
DO  - 10.1000/abc
PY  - 2001
ER  -

TY  - ELEC
TI  - Matched by URL
UR  - https://example.org/page/
ER  -

TY  - GOVDOC
TI  - Matched by identifier
M1  - S/2000/13
ER  -

TY  - RPRT
TI  - Existing title
PY  - 1999
ER  -

TY  - RPRT
TI  - A new report
AU  - Doe, Jane
DA  - 2003/02/01/
UR  - https://example.org/new-report
ER  -

TY  - RPRT
TI  - A new report
AU  - Doe, Jane
DA  - 2003/02/01/
UR  - https://example.org/new-report
ER  -

TY  - RPRT
AU  - Nobody, Ann
ER  -

TY  - ELEC
TI  - Bad address
UR  - not a web address
ER  -
""".replace("ER  -\n", "ER  - \n")  # RIS closes a record with "ER  - "


@pytest.fixture
def existing():
    return {
        "doi": make_source("by-doi", identifier="doi:10.1000/ABC", url=""),
        "url": make_source("by-url", identifier="", url="https://example.org/page"),
        "identifier": make_source("by-identifier", identifier="S/2000/13", url=""),
        "title": make_source("by-title", title="Existing Title", identifier="", url="", status=Status.DRAFT),
    }


def test_the_dry_run_marks_each_entry_new_duplicate_or_invalid(existing):
    entries = reference_import.dry_run(reference_import.read_references(RIS_FILE.encode(), "zotero.ris"))
    summary = [
        (entry.number, entry.status, entry.duplicate_of and entry.duplicate_of.key, entry.matched_by)
        for entry in entries
    ]
    assert summary[:5] == [
        (1, "duplicate", "by-doi", "DOI"),
        (2, "duplicate", "by-url", "URL"),
        (3, "duplicate", "by-identifier", "identifier"),
        (4, "duplicate", "by-title", "title and year"),
        (5, "new", None, ""),
    ]
    assert entries[5].status == "duplicate" and entries[5].reason == "the same URL as entry 5 of this file"
    assert entries[6].status == "invalid" and entries[6].reason == "It has no title."
    assert entries[7].status == "invalid" and "URL" in entries[7].reason
    assert entries[4].key == "doe-2003-a-new-report"
    assert reference_import.counts(entries) == {"new": 1, "duplicate": 5, "invalid": 2}
    assert Source.objects.count() == len(existing), "a dry run writes nothing"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"Just some notes", "not a BibTeX"),
        (b"[1, 2", "cannot be read"),
        (b"[]", "holds no references"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(content, message):
    with pytest.raises(reference_import.UnreadableFile, match=message):
        reference_import.read_references(content, "upload.txt" if b"[" not in content else "upload.json")


# The admin ---------------------------------------------------------------------------------


def upload(client, text, name="zotero.ris"):
    return client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile(name, text.encode())})


def test_an_editor_sees_the_dry_run_then_imports_the_chosen_entries_as_drafts(client, editor, existing):
    client.force_login(editor)
    changelist = client.get(reverse("admin:cases_source_changelist")).content.decode()
    assert reverse(IMPORT_URL) in changelist and "Import references" in changelist

    bib = (
        "@techreport{a, title = {First new report}, institution = {UN}, year = {2005}}\n"
        "@techreport{b, title = {Second new report}, institution = {UN}, year = {2006}}\n"
        "@article{c, title = {Matched}, doi = {10.1000/abc}, journal = {J}, year = {2001}}\n"
    )
    response = upload(client, bib, "zotero.bib")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>2 new</strong>, 1 duplicate, 0 invalid" in html
    assert f'href="{reverse("admin:cases_source_change", args=[existing["doi"].pk])}"' in html and "by DOI" in html
    assert Source.objects.count() == len(existing)

    signed = html.split('name="references" value="')[1].split('"')[0]
    response = client.post(reverse(IMPORT_URL), {"references": signed, "chosen": ["2"]})
    assert response.status_code == 302
    [imported] = Source.objects.exclude(pk__in=[source.pk for source in existing.values()])
    assert imported.title == "Second new report" and imported.status == Status.DRAFT
    assert imported.publisher == "UN" and imported.date == datetime.date(2006, 1, 1)
    assert imported.date_precision == DatePrecision.YEAR
    [version] = Version.objects.get_for_object(imported)
    assert version.revision.user == editor
    # A draft: readers never see it.
    client.logout()
    assert "Second new report" not in client.get(reverse("cases:source_list")).content.decode()
    assert client.get(imported.get_absolute_url()).status_code == 404


def test_a_bad_file_or_an_altered_dry_run_writes_nothing(client, editor):
    client.force_login(editor)
    response = upload(client, "nothing to see", "notes.txt")
    assert "not a BibTeX (.bib), RIS (.ris) or CSL-JSON (.json) file" in response.content.decode()

    references = reference_import.read_references(RIS_FILE.encode(), "zotero.ris")
    forged = signing.dumps(references, salt="another-salt", compress=True)
    response = client.post(reverse(IMPORT_URL), {"references": forged, "chosen": ["5"]}, follow=True)
    assert "upload the file again" in response.content.decode()
    assert Source.objects.count() == 0


def test_the_import_writes_all_chosen_entries_or_none(client, editor, monkeypatch):
    client.force_login(editor)
    references = reference_import.read_references(RIS_FILE.encode(), "zotero.ris")
    real_save = Source.save

    def failing_save(self, *args, **kwargs):
        if Source.objects.exists():
            raise RuntimeError("the database went away")
        return real_save(self, *args, **kwargs)

    # Six new entries (nothing is in the casebook yet); the second save fails.
    references[5]["fields"].update(title="Another report", url="https://example.org/another")
    signed = signing.dumps(references, salt="cases.reference-import", compress=True)
    monkeypatch.setattr(Source, "save", failing_save)
    assert reference_import.counts(reference_import.dry_run(references))["new"] == 6
    with pytest.raises(RuntimeError):
        client.post(reverse(IMPORT_URL), {"references": signed, "chosen": [str(n) for n in range(1, 9)]})
    assert Source.objects.count() == 0


def test_only_people_who_may_add_sources_may_import(client):
    user = User.objects.create_user("reader", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(reverse(IMPORT_URL)).status_code == 403
