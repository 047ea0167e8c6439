"""
An editor for the load test: saves a case study every interval, as the admin would.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=... python -m bench.editor --seconds 30

Each save renames one timeline event of a published case study and saves the case study, in one
transaction and one django-reversion revision (the history the admin keeps). Stops by itself
after --seconds and prints a JSON line: saves that succeeded, failures, and how long each took.
"""

import argparse
import json
import sys
import time

MARK = " (revised)"


def edit_once(case_id):
    import reversion
    from django.db import transaction

    from cases.models import CaseStudy

    with transaction.atomic(), reversion.create_revision():
        case = CaseStudy.objects.get(pk=case_id)
        event = case.timeline_events.order_by("id").first()
        if event is not None:
            event.title = event.title.removesuffix(MARK) if event.title.endswith(MARK) else event.title + MARK
            event.save(update_fields=["title"])
        case.save()
        reversion.set_comment("Load test edit")


def run(seconds, interval):
    from cases.models import CaseStudy

    case_ids = list(CaseStudy.objects.published().order_by("id").values_list("id", flat=True))
    outcome = {"saves": 0, "failures": 0, "errors": [], "save_ms": []}
    if not case_ids:
        outcome["errors"].append("no published case study to edit")
        return outcome
    deadline = time.monotonic() + seconds
    tick = time.monotonic()
    number = 0
    while tick < deadline:
        started = time.perf_counter()
        try:
            edit_once(case_ids[number % len(case_ids)])
        except Exception as error:  # every failed save is counted and reported, never fatal
            outcome["failures"] += 1
            outcome["errors"].append(f"{type(error).__name__}: {error}")
        else:
            outcome["saves"] += 1
            outcome["save_ms"].append(round((time.perf_counter() - started) * 1000, 1))
        number += 1
        tick += interval
        time.sleep(max(0.0, min(tick, deadline) - time.monotonic()))
    return outcome


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="python -m bench.editor")
    parser.add_argument("--seconds", type=float, default=30, help="How long to keep editing (at most 600).")
    parser.add_argument("--interval", type=float, default=1.0, help="Seconds between saves.")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 600 or args.interval <= 0:
        parser.error("--seconds must be in (0, 600] and --interval positive.")
    import django

    django.setup()
    outcome = run(args.seconds, args.interval)
    outcome["errors"] = outcome["errors"][:10]
    print(json.dumps(outcome))
    return 0 if outcome["failures"] == 0 and outcome["saves"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
