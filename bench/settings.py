"""
Settings for the benchmark: the production settings, plus the `/_floor/` page.

The benchmark serves plain HTTP on the loopback address, so HTTPS redirects and secure-only
cookies are off unless the environment says otherwise. Everything else (middleware, templates,
database tuning, static files storage) is exactly what production runs.
"""

import os

os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
os.environ.setdefault("DJANGO_HSTS_SECONDS", "0")

from peacekeeping.settings import *  # noqa: E402, F403
from peacekeeping.settings import STATIC_ROOT as _PROJECT_STATIC_ROOT  # noqa: E402

ROOT_URLCONF = "bench.urls"

# collectstatic writes into a temporary folder during a run, never into the working tree.
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT") or _PROJECT_STATIC_ROOT
