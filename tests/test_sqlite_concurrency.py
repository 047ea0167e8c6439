"""
SQLite under concurrent use: editors saving while readers browse, in separate processes as
under gunicorn. WAL mode, immediate transactions and the busy timeout (peacekeeping/settings.py)
must let every write through and never answer "database is locked".
"""

import multiprocessing
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
WRITERS = 3
READERS = 3
# Each worker does a fixed amount of work, all at once: how much a slow or busy machine gets
# done in a given time is no property of the code. The time limit only stops a hung worker.
SAVES = 8
READS = 8
SECONDS = 60

# Nothing here reads Django's settings at import: the worker processes import this module
# before they are pointed at the temporary database.


def _django(database_url):
    """Set up Django in a worker process, on the shared file database and nothing else."""
    from django.conf import settings

    if not settings.configured:
        os.environ["DATABASE_URL"] = database_url
        os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
        import django

        django.setup()
    expected = database_url.removeprefix("sqlite:///")
    if str(settings.DATABASES["default"]["NAME"]) != expected:
        raise RuntimeError(f"worker is not on the temporary database: {settings.DATABASES['default']['NAME']}")


def work(role, number, database_url, migrated, barrier, writers_finished, seconds, results):
    """Write or read a fixed number of times, all workers together; report what was done and every error."""
    _django(database_url)
    if not migrated.wait(timeout=60):
        return
    import datetime

    from django.db import connection, transaction

    from cases.models import CaseStudy, Source, Status, TimelineEvent

    if role == "writer" and number == 0:
        from tests.factories import make_case, make_organization

        make_case("sierra-leone-unamsil", title="Sierra Leone (UNAMSIL)", organizations=[make_organization("un")])
    done, errors = [], []

    def read():
        rows = list(CaseStudy.objects.published().for_list().order_by("title"))
        events = TimelineEvent.objects.filter(case_study__in=rows).count()
        sources = Source.objects.published().count()
        done.append((len(rows), events, sources))

    barrier.wait(timeout=60)  # the case study exists; no writer has begun
    if role == "reader":
        read()
    barrier.wait(timeout=60)  # all together, now
    case = CaseStudy.objects.get(slug="sierra-leone-unamsil")
    deadline = time.monotonic() + seconds

    def more_to_do():
        if role == "writer":
            return len(done) < SAVES
        # Readers read while the writers write, and once more after they have all finished.
        return len(done) < READS or writers_finished.value < WRITERS or done[-1][2] < WRITERS * SAVES

    while more_to_do() and time.monotonic() < deadline:
        try:
            if role == "writer":
                key = f"load-{number}-{len(done)}"
                # One admin save: the source and the event that cites it, in one transaction.
                with transaction.atomic():
                    source = Source.objects.create(
                        key=key, kind=Source.Kind.REPORT, title=f"Report {key}", status=Status.PUBLISHED
                    )
                    TimelineEvent.objects.create(
                        case_study=case,
                        date=datetime.date(2000, 1, 1),
                        title=f"Event {key}",
                        description=f"Cited. [[cite:{source.key}]]",
                    )
                done.append(key)
            else:
                read()
        except Exception as error:  # every failure is reported, "database is locked" above all
            errors.append(f"{role} {number}: {type(error).__name__}: {error}")
            time.sleep(0.01)
    if role == "writer":
        with writers_finished.get_lock():
            writers_finished.value += 1
    connection.close()
    results.put({"role": role, "done": done, "errors": errors})


def test_readers_and_writers_in_parallel_never_meet_a_locked_database(tmp_path, settings):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite locking only: the suite runs on another database")
    path = tmp_path / "db.sqlite3"
    database_url = f"sqlite:///{path}"
    assert database_url.startswith("sqlite:////")
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    context = multiprocessing.get_context("spawn")
    migrated = context.Event()
    barrier = context.Barrier(WRITERS + READERS)
    writers_finished = context.Value("i", 0)
    queue = context.Queue()
    roles = [("writer", n) for n in range(WRITERS)] + [("reader", n) for n in range(READERS)]
    workers = [
        context.Process(target=work, args=(role, n, database_url, migrated, barrier, writers_finished, SECONDS, queue))
        for role, n in roles
    ]
    # The workers start Django while the database is being migrated, then wait for it.
    for worker in workers:
        worker.start()
    try:
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert migrate.returncode == 0, migrate.stderr
        migrated.set()
        results = [queue.get(timeout=60) for _ in workers]
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.terminate()

    errors = [error for result in results for error in result["errors"]]
    assert not [error for error in errors if "database is locked" in error], errors
    assert not errors

    written = sorted(key for result in results if result["role"] == "writer" for key in result["done"])
    reads = [read for result in results if result["role"] == "reader" for read in result["done"]]
    assert len(written) == WRITERS * SAVES, "every save went through"
    assert len(reads) >= READERS * READS, "every read went through"

    with sqlite3.connect(path) as database:
        journal_mode = database.execute("PRAGMA journal_mode").fetchone()[0]
        stored_sources = {row[0] for row in database.execute("SELECT key FROM cases_source WHERE key LIKE 'load-%'")}
        stored_events = {row[0] for row in database.execute("SELECT title FROM cases_timelineevent")}
    assert journal_mode == "wal"
    assert stored_sources == set(written)
    assert stored_events == {f"Event {key}" for key in written}
    # Readers saw the casebook at every moment, growing as the writers saved.
    assert all(cases == 1 for cases, _, _ in reads)
    assert max(sources for _, _, sources in reads) > min(sources for _, _, sources in reads)
