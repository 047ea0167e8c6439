"""Settings for the test suite: production settings with a throwaway key and a fast hasher."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-key-" + "k" * 50)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_STATIC_MANIFEST", "false")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")

from peacekeeping.settings import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Pages are cached only in the tests that are about caching (they switch a real cache on);
# elsewhere every request renders, so each test sees its own changes at once.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The test database is a file in WAL mode, as served, not SQLite's in-memory database (one
    # shared cache with table locks): a second connection then reads and writes as another
    # worker would, e.g. tests/test_export_consistency.py. One file per process.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"casebook-tests-{os.getpid()}.sqlite3"),
    }

# The test client is one address: no test is throttled by accident (the throttle's own test sets
# a low rate and a real cache).
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute"}}
