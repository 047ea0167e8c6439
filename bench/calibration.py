"""
How fast this machine is at this moment: a fixed amount of CPU-bound work, timed.

    from bench.calibration import measure
    measure("sqlite:////tmp/bench-1000.sqlite3")
    # {"python_ms": 67.7, "sql_ms": 31.8, "vendor": "sqlite", ...}

Two workloads, each run several times and the median kept:

- **Python**: a fixed loop of dict, str and int work, as a page's rendering does (about 68 ms on
  the reference machine);
- **SQL**: one fixed query on the database being benchmarked that reads no table (a recursive
  common table expression on SQLite, a cross join of two `generate_series` on PostgreSQL), so
  its time is the database engine's speed, whatever the casebook holds (about 32 ms on SQLite,
  37 on PostgreSQL, on the reference machine).

Times are wall-clock (`time.perf_counter`), as page latencies are: when other work on the
machine takes the cores, the calibration slows down with the pages. The benchmark divides the
reference machine's figures by these to get a speed factor (bench/run.py).
"""

import gc
import statistics
import time
from urllib.parse import urlsplit, urlunsplit

REPEATS = 5
PYTHON_LOOPS = 150_000

# Each query reads no table; its answer is fixed, checked after every run so that an engine that
# skipped the work would be caught rather than measured.
SQL = {
    "sqlite": (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) "
        "SELECT count(*), sum(i % 7), max(length(i)) FROM n",
        (50000, 150003, 5),
    ),
    # Two small series joined rather than one long one: a series of 200,000 rows is stored in a
    # tuplestore that outgrows the default work_mem (4 MB) and spills to temporary files, which
    # would time the disk. The cost estimate (about 6,000) stays far below jit_above_cost.
    "postgresql": (
        "SELECT count(*), sum((a * b) % 7), max(length((a * b)::text)) "
        "FROM generate_series(1, 500) AS a, generate_series(1, 400) AS b",
        (200000, 515010, 6),
    ),
}
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}


def python_workload(loops=PYTHON_LOOPS):
    """A fixed, deterministic mix of dict lookups, string building and integer arithmetic."""
    counts = {}
    parts = []
    total = 0
    for i in range(loops):
        key = f"k{i % 1009}"
        counts[key] = counts.get(key, 0) + i
        total += len(key) * (i & 7)
        if i % 16 == 0:
            parts.append(key.upper())
    return total + len(",".join(parts)) + len(counts)


def _median_ms(run, repeats):
    runs = []
    for _ in range(repeats):
        gc.collect()
        started = time.perf_counter()
        run()
        runs.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(runs), 2), [round(value, 2) for value in runs]


def vendor_of(database_url):
    scheme = urlsplit(database_url).scheme
    if scheme == "sqlite":
        return "sqlite"
    if scheme in POSTGRES_SCHEMES:
        return "postgresql"
    raise ValueError(f"Cannot calibrate a {scheme or 'schemeless'} database URL: sqlite:// or postgres:// only.")


def sqlite_path(database_url):
    """The file of a sqlite:/// URL, as dj-database-url reads it (sqlite:////abs/path is /abs/path)."""
    path = urlsplit(database_url).path
    return path[1:] if path.startswith("/") else path


def _connect(database_url, vendor):
    if vendor == "sqlite":
        import sqlite3

        # The benchmarked file itself, opened as the site opens it (the query reads none of it).
        return sqlite3.connect(sqlite_path(database_url), timeout=20)
    import psycopg

    parts = urlsplit(database_url)
    return psycopg.connect(urlunsplit(parts._replace(scheme="postgresql")), autocommit=True, connect_timeout=10)


def check(answer, expected):
    if tuple(int(value) for value in answer) != expected:
        raise RuntimeError(f"The calibration query answered {answer}, not {expected}.")


def sql_time(database_url, repeats=REPEATS):
    """Median milliseconds of the fixed query on that database, and every run."""
    vendor = vendor_of(database_url)
    query, expected = SQL[vendor]
    connection = _connect(database_url, vendor)
    try:
        # One run unmeasured: connection setup and statement preparation are not the engine's speed.
        check(tuple(connection.execute(query).fetchone()), expected)

        def run():
            check(tuple(connection.execute(query).fetchone()), expected)

        return _median_ms(run, repeats)
    finally:
        connection.close()


def python_time(repeats=REPEATS, loops=PYTHON_LOOPS):
    """Median milliseconds of the Python workload, and every run."""
    expected = python_workload(loops)  # also the unmeasured first run

    def run():
        if python_workload(loops) != expected:
            raise RuntimeError("The Python calibration gave a different answer.")

    return _median_ms(run, repeats)


def measure(database_url, repeats=REPEATS):
    """
    The machine's speed now: {"python_ms", "sql_ms", "vendor", "python_runs_ms", "sql_runs_ms",
    "at"}, the medians in milliseconds of `repeats` runs each.
    """
    vendor = vendor_of(database_url)
    at = time.time()
    python_ms, python_runs = python_time(repeats)
    sql_ms, sql_runs = sql_time(database_url, repeats)
    return {
        "python_ms": python_ms,
        "sql_ms": sql_ms,
        "vendor": vendor,
        "python_runs_ms": python_runs,
        "sql_runs_ms": sql_runs,
        "at": round(at, 3),
    }


def main(argv=None):
    """Print the calibration of a database, several times: how the reference figures are measured."""
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m bench.calibration", description=main.__doc__)
    parser.add_argument("database_url", help="sqlite:////path/to/file.sqlite3 or postgres://user@host:port/db")
    parser.add_argument("--times", type=int, default=5, help="Calibrations to run (default: %(default)s).")
    args = parser.parse_args(argv)
    results = [measure(args.database_url) for _ in range(args.times)]
    for result in results:
        print(json.dumps({key: result[key] for key in ("vendor", "python_ms", "sql_ms")}))
    print(
        "median:",
        json.dumps(
            {
                "python_ms": round(statistics.median(r["python_ms"] for r in results), 1),
                "sql_ms": round(statistics.median(r["sql_ms"] for r in results), 1),
            }
        ),
    )
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
