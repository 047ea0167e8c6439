"""
A bounded load test: many readers and one editor at once, on the real content.

    python -m bench.loadtest --clients 50 --seconds 30

Starts gunicorn on 127.0.0.1 with production settings and a fresh SQLite database in a
temporary folder, loaded with `manage.py load_content`. Then, for --seconds, --clients reader
threads fetch the public pages (found by following the site's own links) while an editor
process saves a case study every second through the ORM. Prints the requests served, the errors
(any answer outside 2xx/3xx, any exception) and the editor's saves; exits 1 if anything failed.
"""

import argparse
import datetime
import html
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import (
    PROJECT_DIR,
    PYTHON,
    Gunicorn,
    exit_on_sigterm,
    get,
    manage,
    run_load,
    server_env,
)

START_PAGES = ["/", "/cases/", "/organizations/", "/challenges/", "/sources/"]
EXTRA_PAGES = [
    "/cases/?region=africa",
    "/cases/?mandate_type=multidimensional&outcome=completed",
    "/cases/?organization=un&sort=-strength",
    "/cases/?q=ceasefire",
    "/cases/?active_in=2005",
    "/cases/?sort=-duration",
]
PUBLIC_PATH = re.compile(r'href="(/(?:cases|organizations|challenges|sources)/[^"#]*)"')
MAX_PAGES = 1000


def kind_of(path):
    """The kind of a public page: home, case list, case page, case history, organisation page..."""
    if path == "/":
        return "home"
    parts = path.split("?")[0].strip("/").split("/")
    section = {"cases": "case", "organizations": "organisation", "challenges": "challenge", "sources": "source"}
    name = section.get(parts[0], parts[0])
    if len(parts) == 1:
        return f"{name} list"
    if len(parts) == 3 and parts[2] == "history":
        return f"{name} history"
    return f"{name} page"


def discover(port, timeout):
    """The public pages, found by following links from the start pages, two levels deep."""
    found = dict.fromkeys(START_PAGES + EXTRA_PAGES)
    frontier = list(START_PAGES)
    for _depth in range(2):
        next_frontier = []
        for path in frontier:
            answer = get(port, path, timeout=timeout)
            if answer.status != 200:
                continue
            for link in PUBLIC_PATH.findall(answer.body.decode("utf-8", "replace")):
                link = html.unescape(link)
                if link not in found and len(found) < MAX_PAGES:
                    found[link] = None
                    next_frontier.append(link)
        frontier = next_frontier
    return list(found)


def start_editor(env, seconds, interval):
    return subprocess.Popen(
        [PYTHON, "-m", "bench.editor", "--seconds", str(seconds), "--interval", str(interval)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def editor_outcome(process, seconds):
    try:
        stdout, stderr = process.communicate(timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        return {"saves": 0, "failures": 1, "errors": ["the editor did not stop in time"], "save_ms": []}
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {"saves": 0, "failures": 1, "errors": [f"the editor crashed: {stderr.strip()[-1000:]}"], "save_ms": []}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="python -m bench.loadtest")
    parser.add_argument("--clients", type=int, default=50, help="Concurrent readers (1-200, default: 50).")
    parser.add_argument("--seconds", type=float, default=30, help="Duration (1-600 s, default: 30).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default: 2).")
    parser.add_argument("--edit-interval", type=float, default=1.0, help="Seconds between the editor's saves.")
    parser.add_argument("--timeout", type=float, default=30, help="Seconds before a request counts as failed.")
    parser.add_argument("--seed", type=int, default=1, help="Seed of the readers' choice of pages.")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder (database, server log).")
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 200 or not 1 <= args.seconds <= 600 or not 1 <= args.workers <= 16:
        parser.error("--clients must be 1-200, --seconds 1-600 and --workers 1-16.")
    if args.edit_interval <= 0 or args.timeout <= 0:
        parser.error("--edit-interval and --timeout must be positive.")
    return args


def main(argv=None):
    args = parse_args(argv)
    exit_on_sigterm()
    workdir = Path(tempfile.mkdtemp(prefix="casebook-loadtest-"))
    editor = None
    report = {
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "settings": {key: str(value) for key, value in vars(args).items()},
    }
    try:
        env = server_env(f"sqlite:///{workdir / 'loadtest.sqlite3'}", static_root=workdir / "static")
        report["setup_s"] = {
            "migrate": round(manage(env, "migrate", "--noinput"), 2),
            "load_content": round(manage(env, "load_content"), 2),
            "collectstatic": round(manage(env, "collectstatic", "--noinput"), 2),
        }
        print("setup: " + ", ".join(f"{step} {seconds:.1f}s" for step, seconds in report["setup_s"].items()))
        with Gunicorn(env, workers=args.workers, log_path=workdir / "gunicorn.log") as server:
            pages = discover(server.port, args.timeout)
            print(f"{len(pages)} public pages found; {args.clients} readers for {args.seconds:g}s, one editor.")
            # Each kind of page is as likely as any other, however many pages of a kind there are.
            kinds = {}
            for path in pages:
                kinds.setdefault(kind_of(path), []).append(path)
            groups = list(kinds.values())
            print("  " + ", ".join(f"{len(paths)} {kind}" for kind, paths in sorted(kinds.items())))
            generators = [random.Random(args.seed * 1000 + i) for i in range(args.clients)]

            def choose(client, number):
                return generators[client].choice(generators[client].choice(groups))

            editor = start_editor(env, args.seconds, args.edit_interval)
            load = run_load(
                server.port,
                choose,
                clients=args.clients,
                max_seconds=args.seconds,
                timeout=args.timeout,
                kind_of=kind_of,
            )
            edits = editor_outcome(editor, args.seconds)
            memory = server.memory()
            log_tail = server.log_tail(20)
    finally:
        if editor is not None and editor.poll() is None:
            editor.kill()
        if args.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    figures = load.figures()
    report.update(pages=len(pages), readers=figures, editor=edits, memory=memory)
    failed = figures["errors"] > 0 or edits["failures"] > 0 or edits["saves"] == 0
    print()
    print(f"requests served   {figures['requests']:,} in {figures['seconds']:.1f}s ({figures['rps']} req/s)")
    print(f"latency           p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms")
    print(f"                  max {figures['max_ms']} ms")
    print(f"statuses          {figures['statuses']}")
    cache = figures["x_cache"]
    hits, misses, uncached = cache.get("hit", 0), cache.get("miss", 0), cache.get("None", 0)
    print(f"page cache        {hits} hits, {misses} misses, {uncached} not cached")
    for kind, values in figures["by_kind"].items():
        print(f"  {kind:<18}{values['requests']:>6} requests, p50 {values['p50_ms']} ms, p95 {values['p95_ms']} ms")
    print(f"errors            {figures['errors']}" + (f" {figures['error_kinds']}" if figures["errors"] else ""))
    for sample in figures["error_samples"]:
        print(f"                  {sample}")
    save_ms = sorted(edits.get("save_ms") or [0])
    print(
        f"editor saves      {edits['saves']} succeeded, {edits['failures']} failed "
        f"(slowest save {save_ms[-1]:.0f} ms, median {save_ms[len(save_ms) // 2]:.0f} ms)"
    )
    for error in edits["errors"]:
        print(f"                  {error}")
    peaks = ", ".join(f"{worker['peak_rss_mb']:.0f}" for worker in memory["workers"] if worker)
    print(f"worker peak RSS   {peaks} MB")
    if failed and log_tail:
        print("\nlast lines of the server log:\n" + log_tail)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    print("\nFAILED: see the errors above." if failed else "\nOK: no error, every save succeeded.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
