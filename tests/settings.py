"""Settings for the test suite: production settings with a throwaway key and a fast hasher."""

import os

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
