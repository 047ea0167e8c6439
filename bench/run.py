"""
Benchmark the public pages on synthetic casebooks of several sizes.

    python -m bench.run --sizes 1000 10000 [--database-url postgres://postgres@127.0.0.1:5432]

For each size: a fresh database (SQLite in a temporary folder, or a dedicated PostgreSQL
database that is dropped and created again), migrations, the synthetic casebook, then gunicorn
on 127.0.0.1 with production settings and a bounded concurrent load on each page. Prints one
table per size and writes every figure to bench/results/<timestamp>.json.
"""

import argparse
import datetime
import itertools
import json
import math
import os
import platform
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import calibration
from bench.harness import (
    PYTHON,
    Gunicorn,
    exit_on_sigterm,
    get,
    manage,
    ms,
    percentile,
    run_load,
    run_step,
    server_env,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PER_PAGE = 20
FLOOR = "floor"
# "miss": every request has a URL of its own, so the page is rendered; "hit": the same URL again.
MODES = ("miss", "hit")
CACHE_BUSTER = "bench"

# Targets at 50,000 case studies: every public page under PAGE_P95_MS at p95 on a cache miss,
# searches under SEARCH_P95_MS; cached pages at CACHED_RATIO_TO_STATIC of the rate a static
# file is served at through the same stack (its ceiling); each worker under WORKER_PEAK_RSS_MB.
TARGETS = {
    "page_p95_ms": 50,
    "search_p95_ms": 80,
    "cached_ratio_to_static": 0.8,
    "worker_peak_rss_mb": 150,
}
# Searches (their own, looser target) and whole-file downloads (measured, no target: a file of
# every case study is not a page).
SEARCH_PAGES = {"search", "search_one", "search_page", "search_kind", "search_misspelt", "sources_search"}
DOWNLOADS = {"export_csv"}
# The pages the page cache should serve at close to the floor's speed.
CACHED_PAGES = ["home", "cases", "detail", "organization"]

# The calibration (bench/calibration.py) of the reference machine, per database: the
# development machine (2 AMD EPYC cores, Python 3.11.7, SQLite 3.40.1, PostgreSQL 15.20 on the
# same machine), quiet, on 1 December 2026: the medians of 21 calibrations each (Python 66.8 to
# 68.7 ms, SQLite 31.1 to 32.2, PostgreSQL 36.7 to 38.1). Every figure is also given as it
# would have been there: see speed().
REFERENCE_CALIBRATION = {
    "sqlite": {"python_ms": 67.7, "sql_ms": 31.8},
    "postgresql": {"python_ms": 67.8, "sql_ms": 36.9},
}
# How much of the speed factor the Python ratio makes: a page on a cache miss spends most of its
# time in Python (middleware, views, the ORM building and reading rows, templates), the rest in
# the database engine. A weighted geometric mean: 0.5 would weigh both alike.
PYTHON_WEIGHT = 0.75
# Latencies that are normalised (ms: multiplied by the factor); rates are divided by it.
LATENCIES = ("p50_ms", "p95_ms", "p99_ms", "max_ms", "solo_p50_ms")
# Markers the sample case study page must show: its strength and fatalities charts.
DETAIL_CHARTS = ('id="strength"', 'id="fatalities"')


def speed(measured, reference=None):
    """
    How fast the machine ran, against the reference machine, from a calibration: reference time
    divided by measured time, for the Python workload, for the SQL query, and the factor, their
    geometric mean weighted by PYTHON_WEIGHT. Below 1 the machine ran slower than the reference.
    None when the reference has no figures for this database.
    """
    reference = (reference or REFERENCE_CALIBRATION).get(measured["vendor"]) or {}
    if not (reference.get("python_ms") and reference.get("sql_ms")):
        return None
    if not (measured.get("python_ms") and measured.get("sql_ms")):
        return None
    python_ratio = reference["python_ms"] / measured["python_ms"]
    sql_ratio = reference["sql_ms"] / measured["sql_ms"]
    factor = python_ratio**PYTHON_WEIGHT * sql_ratio ** (1 - PYTHON_WEIGHT)
    return {"python_ratio": round(python_ratio, 3), "sql_ratio": round(sql_ratio, 3), "factor": round(factor, 3)}


def run_calibration(calibrations):
    """
    The machine's speed over a whole run: the median of every calibration taken in it (at the
    start, before each page, at the end). On a shared virtual machine one calibration can move by
    a quarter from one second to the next, idle or not: a page normalised with the one taken
    just before it would carry that noise into its figure. The spread is reported beside it.
    """
    calibrations = [calibration for calibration in calibrations if calibration]
    if not calibrations:
        return None
    return {
        "python_ms": round(statistics.median(c["python_ms"] for c in calibrations), 2),
        "sql_ms": round(statistics.median(c["sql_ms"] for c in calibrations), 2),
        "vendor": calibrations[0]["vendor"],
        "calibrations": len(calibrations),
    }


def normalised_ms(value, factor):
    """A latency as the reference machine would have taken it: measured x factor."""
    return None if value is None or factor is None else round(value * factor, 1)


def normalised_rps(value, factor):
    """A throughput as the reference machine would have served it: measured / factor."""
    return None if value is None or not factor else round(value / factor, 1)


def normalise(figures, factor):
    """The page's latencies and throughput on the reference machine, beside the measured ones."""
    figures["speed_factor"] = factor
    figures["normalised"] = {key: normalised_ms(figures.get(key), factor) for key in LATENCIES}
    figures["normalised"]["rps"] = normalised_rps(figures.get("rps"), factor)
    return figures


def pages_for(cases, samples):
    """(name, label, path) of every page measured, the floor last."""
    last_page = max(1, math.ceil(cases / PER_PAGE))
    deep_page = min(200, last_page)
    filters = f"organization={samples['organization_slug']}&region=africa&mandate_type=multidimensional"
    region = samples.get("region", "africa")
    return [
        ("home", "home /", "/"),
        ("cases", "/cases/", "/cases/"),
        ("cases_filtered", "/cases/ 3 filters", f"/cases/?{filters}"),
        # The region the generator weights most: two case studies in five (20,000 at 50,000).
        ("cases_region", f"/cases/?region={region} (2 in 5)", f"/cases/?region={region}"),
        ("search", f"/cases/?q={samples['search_word']} (1 in 10)", f"/cases/?q={samples['search_word']}"),
        ("search_one", f"/cases/?q={samples['search_one']} (1)", f"/cases/?q={samples['search_one']}"),
        ("search_page", f"/search/?q={samples['search_word']}", f"/search/?q={samples['search_word']}"),
        (
            "search_kind",
            f"/search/?q={samples['search_word']}&kind=case_study&page=2",
            f"/search/?q={samples['search_word']}&kind=case_study&page=2",
        ),
        # A misspelt title word ("Synthetc"): nothing has it, so a "did you mean" is worked out.
        ("search_misspelt", "/search/?q=synthetc", "/search/?q=synthetc"),
        ("cases_deep_page", f"/cases/?page={deep_page}", f"/cases/?page={deep_page}"),
        ("cases_fatalities", "/cases/?sort=-fatalities", "/cases/?sort=-fatalities"),
        ("detail", "case study page", f"/cases/{samples['case_slug']}/"),
        ("organization", "organisation page", f"/organizations/{samples['organization_slug']}/"),
        # The bibliography searched (one synthetic source in six is a "monograph") and filtered.
        ("sources_search", "/sources/?q=monograph (1 in 6)", "/sources/?q=monograph"),
        ("sources_filtered", "/sources/ kind and years", "/sources/?kind=book&year_from=1990&year_to=2010"),
        ("country", "country page", f"/countries/{samples['country_code']}/"),
        ("countries", "countries index", "/countries/"),
        # What a click on the list's map gives: the list by one more host country.
        (
            "cases_map_country",
            "/cases/ organisation + host country (map click)",
            f"/cases/?organization={samples['organization_slug']}&country={samples['country_code']}",
        ),
        ("cases_contributor", "/cases/ by contributing country", f"/cases/?contributor={samples['country_code']}"),
        ("version", "case study, version 1", f"/cases/{samples['case_slug']}/v/1/"),
        ("history", "case study history", f"/cases/{samples['case_slug']}/history/"),
        (
            "compare",
            "compare two case studies",
            "/compare/?" + "&".join(f"cases={slug}" for slug in samples["compare_slugs"]),
        ),
        ("organization_history", "organisation history", f"/organizations/{samples['organization_slug']}/history/"),
        ("export_csv", "/cases/export.csv", "/cases/export.csv"),
        ("api_cases", "/api/v1/case-studies/", "/api/v1/case-studies/"),
        ("api_cases_filtered", "/api/v1/case-studies/ 3 filters", f"/api/v1/case-studies/?{filters}"),
        ("api_case", "API case study", f"/api/v1/case-studies/{samples['case_slug']}/"),
        ("api_organizations", "/api/v1/organizations/", "/api/v1/organizations/"),
        # Its first request after a change writes the new version of the full dump.
        ("downloads", "/downloads/", "/downloads/"),
        ("about", "about page", "/about/"),
        ("methodology", "methodology page", "/about/methodology/"),
        ("editorial_policy", "editorial policy page", "/about/editorial-policy/"),
        ("shortcuts", "keyboard shortcuts page", "/about/shortcuts/"),
        # Never cached (it carries the reader's CSRF token): every request renders it.
        ("report", "report an error, about a case study", f"/report/?page=/cases/{samples['case_slug']}/"),
        (FLOOR, "floor /_floor/", "/_floor/"),
    ]


# Stand-ins for the generator's samples: enough to list the pages' names before any casebook exists.
PLACEHOLDER_SAMPLES = {
    "organization_slug": "organization",
    "case_slug": "case",
    "compare_slugs": ["case", "case"],
    "search_word": "word",
    "search_one": "one",
    "country_code": "XX",
    "region": "africa",
}


def page_names():
    """The name of every page `--pages` can choose, in the order they are measured (the floor last)."""
    return [name for name, _label, _path in pages_for(1000, PLACEHOLDER_SAMPLES)]


def select_pages(pages, names):
    """Only the pages named (all when `names` is empty), in their usual order; the floor always, last."""
    if not names:
        return pages
    wanted = set(names)
    return [page for page in pages[:-1] if page[0] in wanted] + [pages[-1]]


class Database:
    """A database for one size: a file in the temporary folder, or a dedicated PostgreSQL database."""

    def __init__(self, base_url, name, workdir, cases, kept_in=None):
        self.base_url, self.name = base_url, name
        # A casebook kept between runs (--reuse): a file, or a database, per size and seed.
        self.kept_in = kept_in
        if kept_in:
            name = self.name = f"{name}_{cases}"
            workdir = kept_in
        if base_url:
            parts = urlsplit(base_url)
            if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
                raise SystemExit("--database-url must be a postgres:// URL (SQLite is the default).")
            self.url = urlunsplit(parts._replace(path=f"/{name}"))
            self.admin_url = urlunsplit(parts._replace(path="/postgres", query=""))
            self.vendor = "postgresql"
        else:
            self.path = Path(workdir) / f"bench-{cases}.sqlite3"
            self.url = f"sqlite:///{self.path}"
            self.vendor = "sqlite"

    def _admin(self, statement):
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(sql.SQL(statement).format(name=sql.Identifier(self.name)))

    def exists(self):
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as connection:
                query = "SELECT 1 FROM pg_database WHERE datname = %s"
                return connection.execute(query, [self.name]).fetchone() is not None
        return self.path.exists()

    def reset(self):
        if self.vendor == "postgresql":
            self._admin("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            self._admin("CREATE DATABASE {name}")
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def drop(self):
        if self.kept_in:
            return
        if self.vendor == "postgresql":
            self._admin("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        else:
            self.reset()

    def describe(self):
        if self.vendor == "postgresql":
            parts = urlsplit(self.url)
            return f"PostgreSQL {parts.hostname}:{parts.port or 5432}/{self.name}"
        return f"SQLite ({'kept file' if self.kept_in else 'temporary file'})"


def uncached_path(path, token, number):
    """The same page under a URL never asked before, so the page cache cannot answer it."""
    return f"{path}{'&' if '?' in path else '?'}{CACHE_BUSTER}={token}-{number}"


def measure_page(port, path, mode, args, token):
    """
    Warm-up, then requests one at a time (the page's own cost), then the bounded concurrent
    load. In "miss" mode every request has a URL of its own; in "hit" mode all ask the same URL.
    """
    numbers = itertools.count()

    def choose(client=None, number=None):
        return uncached_path(path, token, next(numbers)) if mode == "miss" else path

    # A slow page gets fewer warm-up and lone requests: at least one each, within --max-seconds.
    deadline = time.monotonic() + args.max_seconds
    for number in range(args.warmup):
        if number and time.monotonic() > deadline:
            break
        get(port, choose(), timeout=args.timeout)
    alone = []
    while len(alone) < args.solo_requests and (not alone or time.monotonic() < deadline):
        alone.append(get(port, choose(), timeout=args.timeout))
    load = run_load(
        port,
        choose,
        clients=args.concurrency,
        max_requests=args.requests,
        max_seconds=args.max_seconds,
        timeout=args.timeout,
    )
    figures = load.figures()
    figures["solo_p50_ms"] = ms(percentile([answer.seconds for answer in alone], 50))
    figures["solo_x_cache"] = sorted({str(answer.cache) for answer in alone})
    return figures


def worker_peak(server):
    return max((worker["peak_rss_mb"] for worker in server.memory()["workers"] if worker), default=None)


def stylesheet_path(port, args):
    """The address of the site's stylesheet as pages link it (its name carries its hash)."""
    match = re.search(r'<link rel="stylesheet" href="([^"]+\.css)"', get(port, "/", timeout=args.timeout).body.decode())
    return match.group(1) if match else None


def measure_all(server, pages, args, measured, calibrate):
    """
    Every page in both modes, each page right after a measure of the floor, of the static file
    and of the machine's speed (`calibrate()`): other work on the machine comes and goes, so a
    page is compared with the floor measured next to it, and normalised with the speed the
    machine had when it was measured. Fills `measured` with {name: {"label", "path",
    "floor_rps_before", "static_rps_before", "calibration", "speed", mode: figures}}.
    """
    token = secrets.token_hex(4)
    floor_path = pages[-1][2]
    static_path = stylesheet_path(server.port, args)
    for name, label, path in [pages[-1], *pages[:-1]]:
        entry = measured.setdefault(name, {"label": label, "path": path})
        first = get(server.port, path, timeout=args.timeout)
        if name == "export_csv" and first.status == 404:
            entry["skipped"] = "answers 404 (not built yet)"
            continue
        if first.status != 200:
            entry["note"] = f"answered {first.status}, not 200"
        elif name == "detail":
            missing = [marker for marker in DETAIL_CHARTS if marker.encode() not in first.body]
            if missing:
                entry["note"] = f"the sample case study shows no {', '.join(missing)}: not the page with charts"
        floor = measure_page(server.port, floor_path, "hit", args, token)
        entry["floor_rps_before"] = floor["rps"]
        # The stack's ceiling: a static file whitenoise serves through the same gunicorn.
        static = measure_page(server.port, static_path, "hit", args, token) if static_path else {"rps": None}
        entry["static_rps_before"] = static["rps"]
        entry["calibration"] = calibrate()
        entry["speed"] = speed(entry["calibration"])
        factor = entry["speed"]["factor"] if entry["speed"] else None
        for mode in MODES:
            print(f"  {label:<34} {mode:<5}...", end="", flush=True)
            if mode == "hit" and static_path:
                # Hits are compared with the static file served right before and right after
                # them: the machine's speed moves within seconds, and the page's misses were
                # measured since the static file above.
                static_before = measure_page(server.port, static_path, "hit", args, token)
            figures = measure_page(server.port, path, mode, args, token)
            figures["worker_peak_rss_mb_after"] = worker_peak(server)
            if figures["rps"] and floor["rps"]:
                figures["ratio_to_floor"] = round(figures["rps"] / floor["rps"], 3)
            if mode == "hit" and static_path:
                static_after = measure_page(server.port, static_path, "hit", args, token)
                around = [static["rps"] for static in (static_before, static_after) if static["rps"]]
                figures["static_rps_around"] = around
                if figures["rps"] and around:
                    figures["ratio_to_static"] = round(figures["rps"] / statistics.mean(around), 3)
            entry[mode] = normalise(figures, factor)
            normalised = figures["normalised"]["p95_ms"]
            print(
                f" p95 {figures['p95_ms']} ms (normalised {fmt(normalised)}, speed {fmt(factor, 2)}),"
                f" {figures['rps']} req/s (floor {floor['rps']} req/s)",
                flush=True,
            )


def renormalise_with_the_run_speed(result):
    """Every page's figures normalised with the run's speed (see run_calibration)."""
    page_calibrations = [entry.get("calibration") for entry in result["pages"].values()]
    result["calibration_run"] = run_calibration(
        [result.get("calibration_start"), *page_calibrations, result.get("calibration_end")]
    )
    result["speed_run"] = speed(result["calibration_run"]) if result["calibration_run"] else None
    factor = result["speed_run"]["factor"] if result["speed_run"] else None
    for entry in result["pages"].values():
        for mode in MODES:
            if entry.get(mode):
                normalise(entry[mode], factor)


def bench_size(cases, args, workdir, static_root, result):
    """Measure one size, filling `result` as it goes, so that an interruption keeps what was measured."""
    kept_in = args.reuse / f"seed-{args.seed}" if args.reuse else None
    database = Database(args.database_url, args.bench_database, workdir, cases, kept_in=kept_in)
    print(f"\n== {cases:,} case studies on {database.describe()} ==", flush=True)
    summary_path = Path(kept_in or workdir) / f"summary-{cases}.json"
    reusing = bool(kept_in) and summary_path.exists() and database.exists()
    if kept_in:
        kept_in.mkdir(parents=True, exist_ok=True)
    if not reusing:
        database.reset()
    env = server_env(database.url, static_root=static_root)
    if args.cache_url:
        env.update(CACHE_URL=args.cache_url, CACHE_KEY_PREFIX=f"casebook-bench-{secrets.token_hex(4)}")
    result.update(cases=cases, database=database.describe(), vendor=database.vendor, pages={})
    result.update(workers=args.workers, concurrency=args.concurrency)
    result["cache"] = "shared (CACHE_URL)" if args.cache_url else "local memory of each worker"
    # Other work on the machine slows every figure down: note how busy it was.
    result["load_average_before"] = [round(value, 2) for value in os.getloadavg()]
    try:
        # A kept casebook still gets the migrations written since it was generated.
        result["migrate_s"] = round(manage(env, "migrate", "--noinput"), 2)
        print(f"migrations: {result['migrate_s']:.1f}s", flush=True)
        if reusing:
            print(f"generation: reusing the casebook kept in {kept_in}", flush=True)
        else:
            generate_args = [PYTHON, "-m", "bench.generate", "--cases", str(cases), "--database-url", database.url]
            generate_args += ["--summary-json", str(summary_path), "--seed", str(args.seed)]
            generate_args += ["--analyze"] if args.analyze else []
            result["generate_s"] = round(run_step(generate_args, env, quiet=False), 2)
        summary = json.loads(summary_path.read_text())
        result["generate_search_index_s"] = summary.get("search_index_seconds")
        result["planner_statistics"] = summary.get("analyzed")
        result["counts"] = summary["counts"]
        result["samples"] = summary["samples"]
        if "generate_s" in result:
            print(f"generation: {result['generate_s']:.1f}s", flush=True)

        def calibrate():
            return calibration.measure(database.url, repeats=args.calibration_repeats)

        pages = select_pages(pages_for(cases, summary["samples"]), args.pages)
        server = Gunicorn(env, workers=args.workers, log_path=Path(workdir) / f"gunicorn-{cases}.log", wsgi=args.wsgi)
        with server:
            # The machine's speed with the server started and idle, before the first page and after the last.
            result["calibration_start"] = calibrate()
            result["speed_start"] = speed(result["calibration_start"])
            measure_all(server, pages, args, result["pages"], calibrate)
            result["calibration_end"] = calibrate()
            result["speed_end"] = speed(result["calibration_end"])
            renormalise_with_the_run_speed(result)
            result["memory"] = server.memory()
            result["load_average_after"] = [round(value, 2) for value in os.getloadavg()]
            result["gunicorn_log_tail"] = server.log_tail(10)
    finally:
        if not args.keep:
            database.drop()


def print_table(result):
    statistics = ", with ANALYZE" if result.get("planner_statistics") else ", no planner statistics"
    print(f"\n{result['cases']:,} case studies, {result['database']}{statistics}, page cache in {result['cache']}")
    index = result.get("generate_search_index_s")
    index_note = f" (search index {index:.1f}s)" if index is not None else ""
    print(f"  {result['workers']} gunicorn workers, {result['concurrency']} concurrent clients")
    if "generate_s" in result:
        print(f"  migrations {result['migrate_s']:.1f}s, generation {result['generate_s']:.1f}s{index_note}")
    load = result["load_average_before"][0]
    if load > 0.5:
        print(f"  note: the machine was already busy before the run (load average {load:.2f})")
    columns = ["p50 ms", "p95 ms", "p99 ms", "p95 n", "req/s", "req/s n", "/floor", "/static", "alone", "alone n"]
    columns += ["KB", "peak MB", "err", "speed"]
    header = f"  {'page':<34}{'cache':<6}" + "".join(f"{column:>8}" for column in columns)
    print(header)
    print("  " + "-" * (len(header) - 2))
    for entry in result["pages"].values():
        if "skipped" in entry:
            print(f"  {entry['label']:<34}skipped: {entry['skipped']}")
            continue
        label = entry["label"]
        factor = fmt((entry.get("speed") or {}).get("factor"), 2)
        for mode in MODES:
            figures = entry.get(mode)
            if figures is None:
                continue
            normalised = figures.get("normalised", {})
            values = [
                fmt(figures["p50_ms"]),
                fmt(figures["p95_ms"]),
                fmt(figures["p99_ms"]),
                fmt(normalised.get("p95_ms")),
                fmt(figures["rps"], 0),
                fmt(normalised.get("rps"), 0),
                fmt(figures.get("ratio_to_floor"), 3),
                fmt(figures.get("ratio_to_static"), 3),
                fmt(figures["solo_p50_ms"]),
                fmt(normalised.get("solo_p50_ms")),
                fmt((figures.get("mean_bytes") or 0) / 1024),
                fmt(figures["worker_peak_rss_mb_after"], 0),
                str(figures["errors"]),
                factor,
            ]
            print(f"  {label:<34}{mode:<6}" + "".join(f"{value:>8}" for value in values))
            label, factor = "", ""
    print(
        "  n: normalised to the reference machine with the run's speed (latencies x speed, req/s / speed);"
        " speed: the machine's, measured just before the page"
    )
    for entry in result["pages"].values():
        if entry.get("note"):
            print(f"  note: {entry['label']}: {entry['note']}")
    workers = result.get("memory", {}).get("workers", [])
    peaks = ", ".join(f"{w['peak_rss_mb']:.0f}" for w in workers if w) or "-"
    floors = [entry["floor_rps_before"] for entry in result["pages"].values() if entry.get("floor_rps_before")]
    print(f"  peak memory per worker (VmHWM) at the end: {peaks} MB")
    if floors:
        print(f"  floor measured before each page: {min(floors):.0f} to {max(floors):.0f} req/s")
    statics = [entry["static_rps_before"] for entry in result["pages"].values() if entry.get("static_rps_before")]
    if statics:
        print(f"  static file measured before each page: {min(statics):.0f} to {max(statics):.0f} req/s")
    around = [rps for entry in result["pages"].values() for rps in entry.get("hit", {}).get("static_rps_around", [])]
    if around:
        print(f"  static file measured around each page's hits: {min(around):.0f} to {max(around):.0f} req/s")
    print_speeds(result)


def describe_calibration(measured, speed_figures):
    text = f"Python {measured['python_ms']:.1f} ms, SQL {measured['sql_ms']:.1f} ms"
    if speed_figures:
        text += (
            f" (speed {speed_figures['factor']:.2f}: Python {speed_figures['python_ratio']:.2f},"
            f" SQL {speed_figures['sql_ratio']:.2f})"
        )
    return text


def print_speeds(result):
    """The machine's speed through the run, against the reference machine's."""
    vendor = result.get("vendor")
    reference = REFERENCE_CALIBRATION.get(vendor) or {}
    if not (reference.get("python_ms") and reference.get("sql_ms")):
        print(f"  no reference calibration for {vendor}: figures are not normalised")
    else:
        print(
            f"  reference machine ({vendor}): Python {reference['python_ms']:.1f} ms, SQL {reference['sql_ms']:.1f} ms;"
            " speed = reference time / time here (1: as fast, 0.5: twice as slow)"
        )
    for moment in ("start", "end"):
        if result.get(f"calibration_{moment}"):
            text = describe_calibration(result[f"calibration_{moment}"], result.get(f"speed_{moment}"))
            print(f"  calibration at the {moment}: {text}")
    factors = [entry["speed"]["factor"] for entry in result["pages"].values() if entry.get("speed")]
    if factors:
        print(f"  speed measured before each page: {min(factors):.2f} to {max(factors):.2f}")
    if result.get("speed_run"):
        text = describe_calibration(result["calibration_run"], result["speed_run"])
        print(
            f"  the run's speed, used to normalise: {text}, the median of {result['calibration_run']['calibrations']}"
        )
    if factors and max(factors) > 1.3 * min(factors):
        print(
            "  note: the machine's speed moved by more than 30% during the run: its figures carry that noise;"
            " compare runs by their normalised figures, and repeat a run whose pages disagree"
        )


def fmt(value, digits=1):
    return "-" if value is None else f"{value:.{digits}f}"


def print_targets(results):
    print(
        "\nTargets at 50,000 case studies (latencies on cache misses, judged on the figure normalised to the"
        " reference machine; ratios on hits):"
    )
    if not results:
        return
    result = max(results, key=lambda r: r["cases"])
    pages = result["pages"]
    note = "" if result["cases"] >= 50000 else f" [at {result['cases']:,}, not 50,000]"
    missed = 0

    def line(label, target, judged, passed, measured, normalised, digits=1):
        """`judged` is the figure the target is judged on; `normalised` what the normalised column shows."""
        nonlocal missed
        mark = "-" if judged is None else ("ok" if passed else "MISSED")
        missed += mark == "MISSED"
        print(
            f"  {label:<52} target {target:<8} measured {fmt(measured, digits):>8}"
            f"  normalised {normalised:>8}  {mark}{note}"
        )

    if any(entry.get("miss") and not entry.get("speed") for entry in pages.values()):
        print(f"  no reference calibration for {result.get('vendor')}: latencies are judged as measured")
    for name, entry in pages.items():
        if name == FLOOR or name in DOWNLOADS or "skipped" in entry or "miss" not in entry:
            continue
        limit = TARGETS["search_p95_ms" if name in SEARCH_PAGES else "page_p95_ms"]
        measured = entry["miss"].get("p95_ms")
        normalised = entry["miss"].get("normalised", {}).get("p95_ms") if entry.get("speed") else None
        judged = measured if normalised is None else normalised
        passed = judged is not None and judged < limit
        shown = fmt(normalised) if entry.get("speed") else "none"
        line(f"{entry['label']}, p95 ms (miss)", f"< {limit}", judged, passed, measured, shown)
    target = TARGETS["cached_ratio_to_static"]
    cached = [name for name in CACHED_PAGES if "hit" in pages.get(name, {})]
    if cached:
        print("  (ratios need no normalisation: the page and the static file are measured in the same moment)")
    for name in cached:
        ratio = pages[name]["hit"].get("ratio_to_static")
        label = f"{pages[name]['label']}: req/s / static file (hit)"
        line(label, f">= {target}", ratio, (ratio or 0) >= target, ratio, "(ratio)", digits=3)
    peak = max((w["peak_rss_mb"] for w in result.get("memory", {}).get("workers", []) if w), default=None)
    limit = TARGETS["worker_peak_rss_mb"]
    line("peak memory per worker, MB", f"< {limit}", peak, peak is not None and peak < limit, peak, "(memory)")
    print(f"  {missed} target{'s' if missed != 1 else ''} missed.")


def print_growth(results):
    """Each page's normalised p95 on cache misses at each size measured: how it grows with the casebook."""
    results = sorted(results, key=lambda r: r["cases"])
    if len(results) < 2:
        return
    sizes = [f"{result['cases']:,}" for result in results]
    print("\nGrowth: p95 ms on cache misses, normalised to the reference machine, by number of case studies")
    header = f"  {'page':<34}" + "".join(f"{size:>10}" for size in sizes) + f"{'last/first':>12}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    names = list(dict.fromkeys(name for result in results for name in result["pages"]))
    for name in names:
        entries = [result["pages"].get(name, {}) for result in results]
        values = [entry.get("miss", {}).get("normalised", {}).get("p95_ms") for entry in entries]
        growth = values[-1] / values[0] if values[0] and values[-1] else None
        print(f"  {name:<34}" + "".join(f"{fmt(value):>10}" for value in values) + f"{fmt(growth, 2):>12}")


def positive(limit):
    def check(value):
        number = int(value)
        if not 1 <= number <= limit:
            raise argparse.ArgumentTypeError(f"must be between 1 and {limit}")
        return number

    return check


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="python -m bench.run")
    parser.add_argument("--sizes", type=positive(200000), nargs="+", default=[1000, 10000], help="Case studies.")
    parser.add_argument(
        "--database-url",
        help="postgres://user@host:port to run on PostgreSQL (a dedicated database is dropped and created); "
        "SQLite in a temporary folder by default.",
    )
    parser.add_argument("--bench-database", default="casebook_bench", help="PostgreSQL database to (re)create.")
    parser.add_argument("--workers", type=positive(16), default=2, help="gunicorn workers (default: %(default)s).")
    parser.add_argument(
        "--concurrency",
        type=positive(64),
        help="Concurrent clients (default: one per worker, so that latencies are the server's work, not a queue).",
    )
    parser.add_argument("--requests", type=positive(10000), default=300, help="Requests per page (default: 300).")
    parser.add_argument("--max-seconds", type=positive(600), default=60, help="Time limit per page (default: 60).")
    parser.add_argument("--solo-requests", type=positive(100), default=10, help="Sequential requests per page.")
    parser.add_argument("--warmup", type=int, default=4, help="Unmeasured requests per page first.")
    parser.add_argument("--timeout", type=positive(300), default=60, help="Seconds before a request fails.")
    parser.add_argument("--seed", type=int, default=1, help="Seed of the synthetic casebook.")
    parser.add_argument(
        "--analyze", action="store_true", help="Give SQLite planner statistics (ANALYZE) after generating."
    )
    parser.add_argument(
        "--cache-url", help="A shared cache for the page cache, e.g. redis://127.0.0.1:6379/15 (default: none)."
    )
    parser.add_argument(
        "--pages",
        nargs="+",
        metavar="NAME",
        help="Measure only these pages (the floor, the static file and the calibration always): "
        + ", ".join(page_names()),
    )
    parser.add_argument(
        "--calibration-repeats",
        type=positive(50),
        default=calibration.REPEATS,
        help="Runs of each calibration workload, of which the median is kept (default: %(default)s).",
    )
    parser.add_argument("--wsgi", default="peacekeeping.wsgi", help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="Keep the databases and the temporary folder.")
    parser.add_argument(
        "--reuse",
        type=Path,
        metavar="FOLDER",
        help="Generate each size's casebook once and keep it for later runs: SQLite files and summaries in "
        "FOLDER, PostgreSQL databases named <bench-database>_<size>. Delete the folder (and drop those "
        "databases) to start afresh.",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_DIR, help="Folder for the JSON results.")
    args = parser.parse_args(argv)
    valid = page_names()
    unknown = [name for name in args.pages or [] if name not in valid]
    if unknown:
        parser.error(
            f"unknown page name{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            f"Valid names: {', '.join(valid)}."
        )
    return args


def main(argv=None):
    args = parse_args(argv)
    args.concurrency = args.concurrency or args.workers
    exit_on_sigterm()
    started = datetime.datetime.now(datetime.UTC)
    workdir = tempfile.mkdtemp(prefix="casebook-bench-")
    results = []
    failure = None
    try:
        static_root = Path(workdir) / "static"
        env = server_env("sqlite:///" + str(Path(workdir) / "unused.sqlite3"), static_root=static_root)
        collectstatic_s = manage(env, "collectstatic", "--noinput")
        print(f"collectstatic: {collectstatic_s:.1f}s", flush=True)
        for cases in args.sizes:
            results.append({})
            bench_size(cases, args, workdir, static_root, results[-1])
    except KeyboardInterrupt:
        failure = "interrupted"
        print("\nInterrupted: the server is stopped and partial results are written.", file=sys.stderr)
    except Exception as error:  # report what was measured before the failure, then fail
        failure = f"{type(error).__name__}: {error}"
        print(f"\nStopped by an error: {failure}", file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"Kept {workdir}")
    results = [result for result in results if result.get("pages")]
    for result in results:
        print_table(result)
    print_growth(results)
    print_targets(results)
    report = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "settings": {key: value for key, value in vars(args).items() if key not in {"output", "database_url"}},
        "targets_at_50000": TARGETS,
        "targets_judged_on": "latencies normalised to the reference machine (as measured where it has no figures)",
        "cached_pages": CACHED_PAGES,
        "reference_calibration": REFERENCE_CALIBRATION,
        "normalisation": {
            "speed": "reference time / measured time, for the Python workload and the SQL query",
            "factor": f"python_ratio ** {PYTHON_WEIGHT} * sql_ratio ** {round(1 - PYTHON_WEIGHT, 3)}",
            "latencies": "measured ms x factor",
            "rates": "measured req/s / factor",
            "calibration": {
                "repeats": args.calibration_repeats,
                "python_loops": calibration.PYTHON_LOOPS,
                "sql": {vendor: query for vendor, (query, _answer) in calibration.SQL.items()},
            },
        },
        "results": results,
        "failure": failure,
    }
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / f"{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nFigures written to {path}")
    return 0 if failure is None else 1


if __name__ == "__main__":
    sys.exit(main())
