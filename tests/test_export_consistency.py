"""
An export is read from one consistent snapshot of the casebook, however long it streams: a
reviewer unpublishing and republishing case studies meanwhile never cuts it short or makes it
mix two moments. The unpublisher is a real second connection (a thread), as another worker's.
"""

import csv
import io
import json
import threading
import time

import pytest
from django.db import connection, transaction
from django.urls import reverse

from cases import exports
from cases.exports import CSV_COLUMNS
from cases.models import CaseStudy, Status
from cases.views import CaseStudyExportView
from tests.factories import cite, make_case, make_country, make_organization, make_source

PAIRS = 6  # case studies swapped in and out of publication, a pair at a time
STEADY = 12  # case studies that stay published
EXPORTS = 16  # exports read while the unpublisher works
BATCH = 3  # rows per batch: every export runs many batches of queries, with commits between them


@pytest.fixture
def casebook():
    """Published case studies, and pairs of which exactly one is published at any moment."""
    un = make_organization("un")
    sierra_leone = make_country("SL", "Sierra Leone")
    resolution = make_source("unsc-res-1270-1999")

    def case(slug, status=Status.PUBLISHED):
        made = make_case(slug, organizations=[un], countries=[sierra_leone], status=status)
        cite(made, resolution, field="start_date")
        return made

    steady = [case(f"steady-{n:02d}") for n in range(STEADY)]
    pairs = [(case(f"pair-{n}-a"), case(f"pair-{n}-b", status=Status.DRAFT)) for n in range(PAIRS)]
    return {"steady": steady, "pairs": pairs}


class Unpublisher(threading.Thread):
    """
    Swaps each pair in one transaction, over and over: unpublishes the published case study
    and republishes the other. Every committed state has the same number of published case
    studies and exactly one of each pair.
    """

    def __init__(self, pairs):
        super().__init__(daemon=True)
        self.pairs = [(a.pk, b.pk) for a, b in pairs]
        self.stop = threading.Event()
        self.started_swapping = threading.Event()
        self.swaps = 0
        self.errors = []

    def run(self):
        try:
            while not self.stop.is_set():
                for published, hidden in self.pairs:
                    with transaction.atomic():
                        CaseStudy.objects.filter(pk=published).update(status=Status.DRAFT)
                        CaseStudy.objects.filter(pk=hidden).update(status=Status.PUBLISHED)
                    self.swaps += 1
                    self.started_swapping.set()
                self.pairs = [(hidden, published) for published, hidden in self.pairs]
        except Exception as error:  # reported to the test, which fails on it
            self.errors.append(f"{type(error).__name__}: {error}")
        finally:
            self.started_swapping.set()
            connection.close()  # this thread's own connection


def streamed(client, fmt):
    response = client.get(reverse("cases:export", args=[fmt]))
    assert response.status_code == 200 and response.streaming
    # Read to the end: an error in the generator would surface here, after the 200.
    return b"".join(response.streaming_content).decode("utf-8")


def assert_one_moment(slugs, pairs):
    """The slugs of an export are those of one committed state: every steady case, one of each pair."""
    assert len(slugs) == len(set(slugs)) == STEADY + PAIRS
    assert {slug for slug in slugs if slug.startswith("steady-")} == {f"steady-{n:02d}" for n in range(STEADY)}
    for a, b in pairs:
        assert (a.slug in slugs) != (b.slug in slugs), f"one of {a.slug} and {b.slug}, not both or neither"


@pytest.mark.django_db(transaction=True)
def test_exports_are_complete_while_case_studies_are_unpublished_and_republished(client, casebook, monkeypatch):
    monkeypatch.setattr(exports.case_study_rows, "__defaults__", (BATCH,))
    pairs = casebook["pairs"]
    unpublisher = Unpublisher(pairs)
    unpublisher.start()
    try:
        assert unpublisher.started_swapping.wait(timeout=10)
        for number in range(EXPORTS):
            swaps_before = unpublisher.swaps
            if number % 2:
                document = json.loads(streamed(client, "json"))
                slugs = [row["slug"] for row in document["case_studies"]]
                assert document["count"] == len(slugs)
            else:
                text = streamed(client, "csv")
                assert text.startswith("\ufeff")
                records = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
                assert records[0] == CSV_COLUMNS
                assert all(len(record) == len(CSV_COLUMNS) for record in records[1:])
                slugs = [record[0] for record in records[1:]]
            assert_one_moment(slugs, pairs)
            # Give the unpublisher a turn if this export ran entirely between two of its swaps.
            while unpublisher.swaps == swaps_before and unpublisher.is_alive():
                time.sleep(0.001)
    finally:
        unpublisher.stop.set()
        unpublisher.join(timeout=10)
    assert not unpublisher.errors
    assert unpublisher.swaps > EXPORTS, "the case studies changed while the exports were read"


@pytest.mark.django_db(transaction=True)
def test_a_save_goes_through_while_an_export_is_half_read_and_the_export_keeps_its_moment(
    client, casebook, monkeypatch
):
    monkeypatch.setattr(exports.case_study_rows, "__defaults__", (BATCH,))
    chunks = iter(client.get(reverse("cases:export", args=["csv"])).streaming_content)
    head = [next(chunks) for _ in range(3)]  # byte order mark, header, first row: the export is reading
    unpublished = [case.pk for case in casebook["steady"][:4]]
    errors = []

    def unpublish():
        try:
            CaseStudy.objects.filter(pk__in=unpublished).update(status=Status.DRAFT)
        except Exception as error:  # "database is locked", if the export held the write lock
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    editor = threading.Thread(target=unpublish, daemon=True)
    editor.start()
    editor.join(timeout=15)  # the export waits meanwhile: a save held up by it would never end
    assert not editor.is_alive() and not errors, errors
    text = b"".join([*head, *chunks]).decode("utf-8").removeprefix("\ufeff")
    slugs = [record["slug"] for record in csv.DictReader(io.StringIO(text, newline=""))]
    assert len(slugs) == STEADY + PAIRS, "the export shows the casebook as it was when it began"
    assert CaseStudy.objects.published().count() == STEADY + PAIRS - len(unpublished)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_download_stopped_halfway_ends_its_snapshot(client, rf, casebook, monkeypatch, fmt):
    monkeypatch.setattr(exports.case_study_rows, "__defaults__", (BATCH,))
    # Served as a WSGI server serves it (the test client would close the stream by itself).
    response = CaseStudyExportView.as_view()(rf.get(reverse("cases:export", args=[fmt])), fmt=fmt)
    chunks = iter(response.streaming_content)
    for _ in range(4):
        next(chunks)  # the export is reading its rows
    assert connection.in_atomic_block
    response.close()  # what the server does when the reader goes away
    assert not connection.in_atomic_block, "the snapshot would stay open into the next request"
    CaseStudy.objects.filter(pk=casebook["steady"][0].pk).update(status=Status.DRAFT)
    assert len(json.loads(streamed(client, "json"))["case_studies"]) == STEADY + PAIRS - 1


@pytest.mark.django_db
def test_a_case_study_unpublished_mid_export_is_left_out_not_an_error():
    # Inside a transaction already open (as here), the export reads what that transaction sees:
    # a case study unpublished between two batches is missing from the later batch.
    first, second, third = (make_case(f"case-{n}", title=f"Case {n}") for n in range(3))
    rows = exports.case_study_rows(CaseStudy.objects.order_by("title"), batch_size=1)
    assert next(rows)["slug"] == first.slug
    CaseStudy.objects.filter(pk=second.pk).update(status=Status.DRAFT)
    assert [row["slug"] for row in rows] == [third.slug]
