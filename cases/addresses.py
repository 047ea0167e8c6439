"""
The addresses of records, for the links every page is full of.

A list page links a few hundred records (cards, map, timeline), and Django's `reverse` spends
tens of microseconds on each, matching the route again: a record's address only changes with
the URL configuration and the script prefix it is served under, so it is kept, keyed by both,
for the records linked most recently.
"""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

ADDRESSES_KEPT = 20_000  # about 3 MB per worker


def record_address(viewname, key):
    """`reverse(viewname, args=[key])`, kept: for a record's page, addressed by its slug or code."""
    return _address(viewname, key, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@lru_cache(maxsize=ADDRESSES_KEPT)
def _address(viewname, key, urlconf, script_prefix):
    return reverse(viewname, args=[key], urlconf=urlconf)
