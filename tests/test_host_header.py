"""
A request's Host header never reaches what other readers receive: absolute addresses come from
SITE_URL, and the page cache keys pages by scheme and host.
"""

import re

import pytest
from django.urls import reverse

from tests.factories import make_case, make_source

pytestmark = pytest.mark.django_db

SITE_URL = "https://casebook.example.org"
CRAFTED_HOSTS = ["localhost:6666", "localhost.", "127.0.0.1:1"]


@pytest.fixture(autouse=True)
def shared_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "host"}}
    settings.SITE_URL = SITE_URL
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "localhost.", "127.0.0.1"]
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def casebook(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        source = make_source(key="unsc-res-1270-1999")
        case = make_case("sierra-leone-unamsil", body="## Background\n\nText [[cite:unsc-res-1270-1999]].")
    return case, source


def absolute_addresses(text):
    return re.findall(r"https?://[^\s<\"']+", text)


@pytest.mark.parametrize("host", CRAFTED_HOSTS)
@pytest.mark.parametrize(
    "url",
    [
        reverse("cases:sitemap"),
        reverse("cases:robots"),
        reverse("cases:feed"),
        "/cases/sierra-leone-unamsil/",
        "/cases/sierra-leone-unamsil/cite.bib",
    ],
)
def test_absolute_addresses_come_from_site_url_whatever_the_host(client, casebook, host, url):
    crafted = client.get(url, HTTP_HOST=host)
    assert crafted.status_code == 200
    own = [address for address in absolute_addresses(crafted.content.decode()) if "example.org" in address]
    assert own, "the page gives its own absolute address"
    for address in absolute_addresses(crafted.content.decode()):
        assert host not in address
    # What the crafted request left in the cache is not what a reader receives.
    honest = client.get(url)
    assert host not in honest.content.decode()
    assert SITE_URL in honest.content.decode()


def test_a_crafted_host_is_cached_apart(client, casebook):
    client.get(reverse("cases:sitemap"), HTTP_HOST="localhost:6666")
    first = client.get(reverse("cases:sitemap"))
    assert first["X-Cache"] == "miss"
    assert client.get(reverse("cases:sitemap"))["X-Cache"] == "hit"
