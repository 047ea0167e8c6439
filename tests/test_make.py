"""
The Makefile's promises: `make run` serves the casebook as the product (gunicorn, debug off, its
own error pages, citations at the address it serves), and in CI the PostgreSQL pass is required.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.standalone


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**overrides):
    """The environment of someone typing the command: no settings of the suite's own."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DJANGO_") and name not in {"DATABASE_URL", "CACHE_URL", "REDIS_URL", "SITE_URL", "CI"}
    }
    env.update(overrides)
    return env


def make(*args, tmp_path):
    """`make` with the suite's own virtualenv standing for the one `make install` sets up."""
    venv = tmp_path / "venv"
    venv.mkdir(exist_ok=True)
    # Up-to-date markers: nothing is installed anywhere.
    (venv / ".runtime").touch()
    (venv / ".dev").touch()
    return ["make", "--no-print-directory", *args, f"VENV={venv}", f"BIN={Path(sys.executable).parent}"]


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_make_run_serves_the_casebook_with_debug_off(tmp_path):
    port = free_port()
    key_file = tmp_path / "secret-key"
    env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    process = subprocess.Popen(
        make("run", f"PORT={port}", f"SECRET_KEY_FILE={key_file}", tmp_path=tmp_path),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        # It migrates, loads the content and builds the data release first: on a busy machine
        # that takes minutes. The test is that it serves, not how soon.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail("make run stopped:\n" + "".join(output))
            try:
                urllib.request.urlopen(base + "/robots.txt", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("make run did not start serving:\n" + "".join(output))

        status, home = fetch(base + "/")
        assert status == 200 and "UNAMSIL" in home

        status, case = fetch(base + "/cases/sierra-leone-unamsil/")
        assert status == 200 and "Cite this page" in case
        # Citations point at the address being served.
        assert f"{base}/cases/sierra-leone-unamsil/" in case
        assert "127.0.0.1:8000" not in case or port == 8000

        status, missing = fetch(base + "/no-such-page/")
        assert status == 404
        assert "Page not found" in missing and "Browse all case studies" in missing
        assert "URLconf" not in missing and "DEBUG = True" not in missing

        # Static files are collected and served.
        assert fetch(base + "/static/css/site.css")[0] == 200
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        reader.join(timeout=5)

    text = "".join(output)
    assert "gunicorn" in text.lower()
    hints = [line for line in text.splitlines() if "create_account" in line]
    assert len(hints) == 1, text
    assert "--role editor" in hints[0]
    # The key is generated once, readable by its owner only, and kept for the next run.
    key = key_file.read_text().strip()
    assert len(key) >= 50
    assert key_file.stat().st_mode & 0o077 == 0


def test_the_local_secret_key_file_is_ignored_by_git():
    result = subprocess.run(
        ["git", "check-ignore", "--quiet", "--no-index", ".secret-key"], cwd=ROOT, capture_output=True
    )
    assert result.returncode == 0


def test_in_ci_make_test_fails_when_postgresql_does_not_answer(tmp_path):
    closed = f"postgres://postgres@127.0.0.1:{free_port()}/casebook"
    result = subprocess.run(
        make("test", f"PG_URL={closed}", tmp_path=tmp_path),
        cwd=ROOT,
        # Were the check missing, the passes would only collect the tests, not run them (again).
        env=clean_env(CI="true", PYTEST_ADDOPTS="--collect-only -q"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert f"PostgreSQL does not answer at {closed}" in result.stdout + result.stderr
    assert "required" in result.stdout + result.stderr
