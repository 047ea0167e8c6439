"""
Two app servers sharing PostgreSQL and Redis: a change published through one is seen through
the other at once, cached pages included. Skips where PostgreSQL or Redis does not answer.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from scripts.service_up import postgres_up, redis_up

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("TEST_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

pytestmark = [
    pytest.mark.standalone,
    pytest.mark.skipif(not postgres_up(PG_SERVER + "/postgres"), reason=f"PostgreSQL does not answer at {PG_SERVER}"),
    pytest.mark.skipif(not redis_up(REDIS_URL), reason=f"Redis does not answer at {REDIS_URL}"),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def shared_database():
    import psycopg

    name = f"casebook_scaleout_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_SERVER + "/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_SERVER}/{name}"
    with psycopg.connect(PG_SERVER + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def environment(shared_database):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL", "REDIS_URL"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "peacekeeping.settings",
            "DJANGO_SECRET_KEY": "scale-out-test-" + "s" * 50,
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SECURE_COOKIES": "false",
            "DJANGO_STATIC_MANIFEST": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": shared_database,
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": f"scaleout-{uuid.uuid4().hex[:8]}",
            "REVIEWER_PASSWORD": "a long reviewer passphrase",
        }
    )

    def manage(*args):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)

    manage("migrate", "--noinput")
    manage("create_account", "rafael", "--role", "reviewer", "--password-env", "REVIEWER_PASSWORD")
    manage(
        "shell",
        "-c",
        "from tests.factories import make_case; make_case('liberia-unmil', title='Liberia (UNMIL)', status='review')",
    )
    return env


@pytest.fixture
def two_servers(environment):
    servers, processes = [], []
    for _ in range(2):
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "peacekeeping.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(process)
        servers.append(f"http://127.0.0.1:{port}")
    for server in servers:
        for _ in range(100):
            try:
                urllib.request.urlopen(server + "/robots.txt", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"{server} did not start")
    yield servers
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def test_publishing_through_one_server_shows_through_the_other(two_servers):
    first, second = two_servers
    anonymous = urllib.request.build_opener()
    # The second server caches its list for anonymous readers...
    assert "Liberia (UNMIL)" not in anonymous.open(second + "/cases/").read().decode()
    assert anonymous.open(second + "/cases/").headers["X-Cache"] == "hit"

    # ...then a reviewer publishes through the first server's admin.
    jar = http.cookiejar.CookieJar()
    reviewer = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post(url, fields):
        page = reviewer.open(url).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}, doseq=True).encode()
        request = urllib.request.Request(url, data=data, headers={"Referer": url})
        return reviewer.open(request).read().decode()

    post(first + "/admin/login/?next=/admin/", {"username": "rafael", "password": "a long reviewer passphrase"})
    changelist = first + "/admin/cases/casestudy/"
    case_id = re.search(r'name="_selected_action" value="(\d+)"', reviewer.open(changelist).read().decode()).group(1)
    result = post(changelist, {"action": "publish", "_selected_action": [case_id]})
    assert "it is now published" in result

    # The second server's readers see it on their next request.
    html = anonymous.open(second + "/cases/").read().decode()
    assert "Liberia (UNMIL)" in html
    assert anonymous.open(second + "/cases/liberia-unmil/").status == 200
