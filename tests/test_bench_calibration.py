"""
The benchmark's calibration: the machine's speed measured beside each page, the figures
normalised to the reference machine, the targets judged on them, and `--pages`.
"""

import math

import pytest

from bench import calibration, run
from bench.generate import REGION_WEIGHTS

REFERENCE = {"sqlite": {"python_ms": 60.0, "sql_ms": 30.0}}


def calibrated(python_ms, sql_ms, vendor="sqlite"):
    return {"python_ms": python_ms, "sql_ms": sql_ms, "vendor": vendor}


def figures(p95_ms, rps=100.0):
    return {
        "p50_ms": p95_ms / 2,
        "p95_ms": p95_ms,
        "p99_ms": p95_ms * 1.2,
        "max_ms": p95_ms * 1.5,
        "solo_p50_ms": p95_ms / 3,
        "rps": rps,
    }


def page(label, p95_ms, speed_of_machine, rps=100.0):
    """A measured page entry, as measure_all leaves it, on a machine of that speed."""
    factor = speed_of_machine["factor"] if speed_of_machine else None
    return {
        "label": label,
        "speed": speed_of_machine,
        "miss": run.normalise(figures(p95_ms, rps), factor),
        "hit": run.normalise({**figures(p95_ms / 10, rps * 5), "ratio_to_static": 0.9}, factor),
    }


def result(pages, cases=50000):
    return {
        "cases": cases,
        "vendor": "sqlite",
        "pages": pages,
        "memory": {"workers": [{"peak_rss_mb": 120.0}, {"peak_rss_mb": 110.0}]},
    }


def target_line(output, label):
    (line,) = [line for line in output.splitlines() if line.strip().startswith(label)]
    return line


def test_a_machine_twice_as_slow_halves_latencies_and_doubles_rates():
    speed = run.speed(calibrated(120.0, 60.0), REFERENCE)
    assert speed == {"python_ratio": 0.5, "sql_ratio": 0.5, "factor": 0.5}
    normalised = run.normalise(figures(80.0, rps=100.0), speed["factor"])["normalised"]
    assert normalised["p95_ms"] == 40.0
    assert normalised["p50_ms"] == 20.0
    assert normalised["solo_p50_ms"] == pytest.approx(13.3, abs=0.05)
    assert normalised["rps"] == 200.0


def test_a_machine_twice_as_fast_doubles_latencies_and_halves_rates():
    speed = run.speed(calibrated(30.0, 15.0), REFERENCE)
    assert speed["factor"] == 2.0
    normalised = run.normalise(figures(20.0, rps=400.0), speed["factor"])["normalised"]
    assert normalised["p95_ms"] == 40.0
    assert normalised["rps"] == 200.0


def test_the_factor_is_a_geometric_mean_that_leans_on_the_python_ratio():
    # Python as fast as the reference, the SQL query four times as slow.
    speed = run.speed(calibrated(60.0, 120.0), REFERENCE)
    assert speed["python_ratio"] == 1.0
    assert speed["sql_ratio"] == 0.25
    expected = 0.25 ** (1 - run.PYTHON_WEIGHT)
    assert speed["factor"] == pytest.approx(expected, abs=0.001)
    assert run.PYTHON_WEIGHT > 0.5
    # Closer to the Python ratio than the plain geometric mean (0.5) would be.
    assert speed["factor"] > math.sqrt(1.0 * 0.25)


def test_no_reference_for_the_database_means_no_normalised_figures():
    assert run.speed(calibrated(60.0, 30.0, vendor="postgresql"), REFERENCE) is None
    normalised = run.normalise(figures(80.0), None)["normalised"]
    assert set(normalised.values()) == {None}


def test_a_page_missed_as_measured_meets_its_target_normalised_on_a_slow_machine(capsys):
    slow = run.speed(calibrated(120.0, 60.0), REFERENCE)  # factor 0.5
    limit = run.TARGETS["page_p95_ms"]
    run.print_targets([result({"detail": page("case study page", limit + 10, slow)})])
    line = target_line(capsys.readouterr().out, "case study page, p95 ms (miss)")
    assert f"measured {limit + 10:>8.1f}" in line
    assert f"normalised {(limit + 10) / 2:>8.1f}" in line
    assert line.split()[-1] == "ok"


def test_a_page_within_its_target_as_measured_misses_it_normalised_on_a_fast_machine(capsys):
    fast = run.speed(calibrated(30.0, 15.0), REFERENCE)  # factor 2
    limit = run.TARGETS["page_p95_ms"]
    run.print_targets([result({"detail": page("case study page", limit - 10, fast)})])
    output = capsys.readouterr().out
    line = target_line(output, "case study page, p95 ms (miss)")
    assert f"measured {limit - 10:>8.1f}" in line
    assert f"normalised {(limit - 10) * 2:>8.1f}" in line
    assert line.split()[-1] == "MISSED"
    assert "1 target missed." in output


def test_searches_are_judged_on_their_own_normalised_target(capsys):
    slow = run.speed(calibrated(120.0, 60.0), REFERENCE)
    limit = run.TARGETS["search_p95_ms"]
    run.print_targets([result({"search": page("search", limit + 20, slow)})])
    line = target_line(capsys.readouterr().out, "search, p95 ms (miss)")
    assert f"target < {limit}" in line
    assert line.split()[-1] == "ok"


def test_ratio_targets_say_they_need_no_normalisation(capsys):
    slow = run.speed(calibrated(120.0, 60.0), REFERENCE)
    run.print_targets([result({"home": page("home /", 10.0, slow)})])
    output = capsys.readouterr().out
    assert "ratios need no normalisation" in output
    line = target_line(output, "home /: req/s / static file (hit)")
    assert "measured    0.900" in line
    assert "(ratio)" in line
    assert line.split()[-1] == "ok"


def test_targets_without_a_reference_are_judged_as_measured_and_say_so(capsys):
    limit = run.TARGETS["page_p95_ms"]
    run.print_targets([result({"detail": page("case study page", limit + 10, None)})])
    output = capsys.readouterr().out
    assert "no reference calibration for sqlite" in output
    line = target_line(output, "case study page, p95 ms (miss)")
    assert "normalised     none" in line
    assert line.split()[-1] == "MISSED"


def test_only_the_pages_measured_are_listed_against_targets(capsys):
    slow = run.speed(calibrated(120.0, 60.0), REFERENCE)
    run.print_targets([result({"detail": page("case study page", 10.0, slow)})])
    output = capsys.readouterr().out
    assert "organisation page" not in output
    assert "home /" not in output


def test_growth_table_shows_each_page_normalised_at_each_size(capsys):
    slow = run.speed(calibrated(120.0, 60.0), REFERENCE)
    small = result({"detail": page("case study page", 20.0, slow)}, cases=1000)
    large = result({"detail": page("case study page", 60.0, slow)}, cases=10000)
    run.print_growth([large, small])
    output = capsys.readouterr().out
    assert "1,000" in output and "10,000" in output
    line = target_line(output, "detail")
    assert line.split()[1:] == ["10.0", "30.0", "3.00"]


def test_growth_table_needs_two_sizes(capsys):
    run.print_growth([result({"detail": page("case study page", 20.0, None)})])
    assert capsys.readouterr().out == ""


def test_pages_option_keeps_the_pages_named_and_the_floor():
    args = run.parse_args(["--sizes", "500", "--pages", "detail", "cases_region"])
    assert args.pages == ["detail", "cases_region"]
    pages = run.select_pages(run.pages_for(500, run.PLACEHOLDER_SAMPLES), args.pages)
    assert [name for name, _label, _path in pages] == ["cases_region", "detail", run.FLOOR]
    assert run.select_pages(pages, None) == pages


def test_pages_option_refuses_unknown_names_and_lists_the_valid_ones(capsys):
    with pytest.raises(SystemExit) as exit_info:
        run.parse_args(["--pages", "detail", "detial"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "unknown page name: detial." in error
    valid = error.split("Valid names: ")[1]
    for name in ("home", "detail", "cases_region", "search", run.FLOOR):
        assert name in valid


def test_the_broad_region_page_lists_the_region_weighted_most():
    region = max(REGION_WEIGHTS, key=REGION_WEIGHTS.get)
    paths = {name: path for name, _label, path in run.pages_for(50000, {**run.PLACEHOLDER_SAMPLES, "region": region})}
    assert paths["cases_region"] == f"/cases/?region={region}"
    assert REGION_WEIGHTS[region] / sum(REGION_WEIGHTS.values()) == pytest.approx(0.4)


def test_calibration_on_sqlite_gives_positive_figures(tmp_path):
    measured = calibration.measure(f"sqlite:///{tmp_path / 'calibration.sqlite3'}", repeats=1)
    assert measured["vendor"] == "sqlite"
    assert measured["python_ms"] > 0
    assert measured["sql_ms"] > 0
    assert len(measured["python_runs_ms"]) == len(measured["sql_runs_ms"]) == 1


def test_calibration_knows_the_database_from_its_url():
    assert calibration.vendor_of("sqlite:////tmp/bench.sqlite3") == "sqlite"
    assert calibration.sqlite_path("sqlite:////tmp/bench.sqlite3") == "/tmp/bench.sqlite3"
    assert calibration.vendor_of("postgres://postgres@127.0.0.1:5432/casebook_bench") == "postgresql"
    with pytest.raises(ValueError, match="sqlite:// or postgres://"):
        calibration.vendor_of("mysql://127.0.0.1/casebook")


def test_the_python_workload_is_deterministic():
    assert calibration.python_workload(1000) == calibration.python_workload(1000)


def test_every_page_is_normalised_with_the_runs_median_speed_not_a_noisy_moment(monkeypatch):
    monkeypatch.setattr(run, "REFERENCE_CALIBRATION", REFERENCE)
    steady, spuriously_fast = calibrated(60.0, 30.0), calibrated(30.0, 15.0)
    pages = {
        "a": {**page("a", 40.0, run.speed(steady, REFERENCE)), "calibration": steady},
        "b": {**page("b", 40.0, run.speed(spuriously_fast, REFERENCE)), "calibration": spuriously_fast},
    }
    measured = {**result(pages), "calibration_start": steady, "calibration_end": steady}
    run.renormalise_with_the_run_speed(measured)
    assert measured["calibration_run"]["python_ms"] == 60.0 and measured["calibration_run"]["calibrations"] == 4
    # The same page figures give the same normalised figures: the one fast calibration moves neither.
    assert pages["a"]["miss"]["normalised"]["p95_ms"] == pages["b"]["miss"]["normalised"]["p95_ms"] == 40.0
