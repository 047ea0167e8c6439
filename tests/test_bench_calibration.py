"""
The benchmark's calibration (the machine's speed, measured), its page selection (`--pages`) and
the pages added to those measured.
"""

import pytest

from bench import calibration, run
from bench.generate import REGION_WEIGHTS


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
