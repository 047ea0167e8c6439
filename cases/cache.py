"""
Caching of anonymous public pages that is never stale.

Every cached page is keyed by the content version (cases.models.ContentVersion) and every
change to any record of the casebook (save, delete, a many-to-many change, a publish, a
restore) moves the version on once its transaction commits. So a page is recomputed on the
first request after any change, on every app server, and never served stale. Each cacheable
response carries an ETag, and a matching If-None-Match gets a 304.

Signed-in staff always get fresh, uncached pages (marked private).
"""

import hashlib

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag

from cases.models import ContentVersion

# The API keeps its own answers by content version, after its throttle has counted the request
# (cases/api/views.py): a page cache in front of it would let a client past the throttle.
EXCLUDED_PREFIXES = ("/admin/", "/static/", "/api/")


_VERSION_SQL = "SELECT {version} FROM {table} WHERE {pk} = 1".format(
    version=connection.ops.quote_name("version"),
    table=connection.ops.quote_name(ContentVersion._meta.db_table),
    pk=connection.ops.quote_name(ContentVersion._meta.pk.column),
)


def _read_version():
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        row = cursor.fetchone()
    return row[0] if row else None


def current_version():
    # Read on every request the page cache answers, so read as one plain statement: building the
    # same query with the ORM took most of the time a cached page costs. It is also the request's
    # connection health check: Django's own (CONN_HEALTH_CHECKS) sends a query of its own first,
    # a second round trip on PostgreSQL for every cached page. A connection the server dropped
    # fails this read instead, and is opened again for a second try.
    if connection.in_atomic_block:
        version = _read_version()
    else:
        connection.health_check_done = True
        try:
            version = _read_version()
        except (InterfaceError, OperationalError):
            connection.close()
            version = _read_version()
    if version is None:
        ContentVersion.objects.get_or_create(pk=1)
        version = 1
    return version


def version_for(request):
    """The content version, read once per request (the page cache has usually read it)."""
    if request is None:
        return current_version()
    if not hasattr(request, "content_version"):
        request.content_version = current_version()
    return request.content_version


def computed_once_per_version(name, compute, request=None):
    """
    What `compute()` returns, kept until the content changes: for results that are the same on
    every page that shows them and costly to work out, such as counts over the whole casebook.
    """
    key = f"computed:{version_for(request)}:{name}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, settings.CACHE_SECONDS)
    return value


def bump_content_version(**kwargs):
    """Move the content version on when the current transaction commits."""

    def bump():
        if not ContentVersion.objects.filter(pk=1).update(version=F("version") + 1):
            ContentVersion.objects.get_or_create(pk=1)

    transaction.on_commit(bump)


def _cacheable(request):
    return (
        request.method in ("GET", "HEAD")
        and not request.path.startswith(EXCLUDED_PREFIXES)
        and not request.user.is_authenticated
    )


def _page_key(request):
    """
    A page's key: the content version, the day (pages show today's date in citations, "accessed
    ..."), and the absolute address, scheme and host included. So a request with a crafted Host
    header (one ALLOWED_HOSTS accepts, such as another port) is cached apart and never changes
    what other readers receive; absolute addresses in pages come from SITE_URL anyway.
    """
    address = hashlib.md5(request.build_absolute_uri().encode(), usedforsecurity=False).hexdigest()
    return f"page:{version_for(request)}:{timezone.localdate():%Y%m%d}:{address}"


def _cached_page(request):
    """The cached page for this request, marked as a hit, or None."""
    entry = cache.get(_page_key(request))
    if entry is None:
        return None
    headers, content = entry
    response = HttpResponse(content, headers=headers)
    response["X-Cache"] = "hit"
    return response


def _store_page(request, response):
    patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
    # The ETag is part of what is kept: a hit answers If-None-Match without hashing again.
    set_response_etag(response)
    response["Content-Length"] = len(response.content)
    # Headers and body, not the response object: a hit then costs one small unpickling. No page
    # varies on a request header (Vary: Cookie comes from the session, outside this cache, and
    # a request that reaches the cache carries no session), so one key per address suffices.
    cache.set(_page_key(request), (dict(response.items()), response.content), settings.CACHE_SECONDS)


class PublicPageCacheMiddleware:
    """
    Serve anonymous GETs of public pages from the cache, keyed by the content version (see
    _page_key). ETags and 304 answers are ConditionalGetMiddleware's, which sits in front of
    this one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable(request):
            response = self.get_response(request)
            if request.user.is_authenticated:
                patch_cache_control(response, private=True, no_cache=True)
            return response

        cached = _cached_page(request)
        if cached is not None:
            return cached

        response = self.get_response(request)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in response.get("Cache-Control", "")
            and not response.has_header("Vary")
        ):
            _store_page(request, response)
            response["X-Cache"] = "miss"
        return response


class CachedPageShortcutMiddleware:
    """
    Answer a reader who carries no session from the page cache before the session, CSRF,
    authentication and message middleware run, as whitenoise answers for static files: with no
    session cookie the reader is anonymous, and a cached page is what PublicPageCacheMiddleware
    would return further in, for a fraction of the work. A miss, a signed-in editor or a pending
    message goes the long way, where the page is rendered and stored.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method in ("GET", "HEAD")
            and not request.path.startswith(EXCLUDED_PREFIXES)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and CookieStorage.cookie_name not in request.COOKIES
        ):
            cached = _cached_page(request)
            if cached is not None:
                # What ConditionalGetMiddleware does further in: a matching If-None-Match is a 304.
                return get_conditional_response(request, etag=cached.get("ETag"), response=cached)
        return self.get_response(request)
