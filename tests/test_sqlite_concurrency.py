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
SECONDS = 1.5

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


def work(role, number, database_url, migrated, barrier, seconds, results):
    """Write or read for a few seconds, all workers together; report what was done and every error."""
    _django(database_url)
    if not migrated.wait(timeout=60):
        return
    import datetime

    from django.db import connection, transaction

    from cases.models import CaseStudy, Source, Status, TimelineEvent

    if role == "writer" and number == 0:
        from tests.factories import make_case, make_organization

        make_case("sierra-leone-unamsil", title="Sierra Leone (UNAMSIL)", organizations=[make_organization("un")])
    barrier.wait(timeout=60)
    case = CaseStudy.objects.get(slug="sierra-leone-unamsil")
    done, errors = [], []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
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
                rows = list(CaseStudy.objects.published().for_list().order_by("title"))
                events = TimelineEvent.objects.filter(case_study__in=rows).count()
                sources = Source.objects.published().count()
                done.append((len(rows), events, sources))
        except Exception as error:  # every failure is reported, "database is locked" above all
            errors.append(f"{role} {number}: {type(error).__name__}: {error}")
            time.sleep(0.01)
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
    queue = context.Queue()
    roles = [("writer", n) for n in range(WRITERS)] + [("reader", n) for n in range(READERS)]
    workers = [
        context.Process(target=work, args=(role, n, database_url, migrated, barrier, SECONDS, queue))
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
    assert all(result["done"] for result in results), "every worker did some work"
    assert len(written) >= WRITERS * 5

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
