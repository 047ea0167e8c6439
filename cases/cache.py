"""
Caching of anonymous public pages that is never stale.

Every cached page is keyed by the content version (cases.models.ContentVersion) and every
change to any record of the casebook (save, delete, a many-to-many change, a publish, a
restore) moves the version on once its transaction commits. So a page is recomputed on the
first request after any change, on every app server, and never served stale. Each cacheable
response carries an ETag, and a matching If-None-Match gets a 304.

Signed-in staff always get fresh, uncached pages (marked private).
"""

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.cache import (
    get_cache_key,
    get_conditional_response,
    learn_cache_key,
    patch_cache_control,
    set_response_etag,
)

from cases.models import ContentVersion

# The API keeps its own answers by content version, after its throttle has counted the request
# (cases/api/views.py): a page cache in front of it would let a client past the throttle.
EXCLUDED_PREFIXES = ("/admin/", "/static/", "/api/")


def current_version():
    version = ContentVersion.objects.filter(pk=1).values_list("version", flat=True).first()
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


def _key_prefix(request):
    # Pages show today's date in citations ("accessed ..."): a new day is a new key.
    return f"page:{version_for(request)}:{timezone.localdate():%Y%m%d}"


class PublicPageCacheMiddleware:
    """
    Serve anonymous GETs of public pages from the cache, keyed by the content version.

    Built on Django's own cache keys (django.utils.cache): a key is made from the absolute URL,
    scheme and host included, and from the request headers the response varies on. So a request
    with a crafted Host header (one ALLOWED_HOSTS accepts, such as another port) is cached apart
    and never changes what other readers receive; absolute addresses in pages come from SITE_URL
    anyway. ETags and 304 answers are ConditionalGetMiddleware's, which sits in front of this one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable(request):
            response = self.get_response(request)
            if request.user.is_authenticated:
                patch_cache_control(response, private=True, no_cache=True)
            return response

        key_prefix = _key_prefix(request)
        key = get_cache_key(request, key_prefix, "GET", cache=cache)
        cached = cache.get(key) if key else None
        if cached is not None:
            cached["X-Cache"] = "hit"
            return cached

        response = self.get_response(request)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in response.get("Cache-Control", "")
        ):
            patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
            # The ETag is part of what is kept: a hit answers If-None-Match without hashing again.
            set_response_etag(response)
            key = learn_cache_key(request, response, settings.CACHE_SECONDS, key_prefix, cache=cache)
            cache.set(key, response, settings.CACHE_SECONDS)
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
            key = get_cache_key(request, _key_prefix(request), "GET", cache=cache)
            cached = cache.get(key) if key else None
            if cached is not None:
                cached["X-Cache"] = "hit"
                # What ConditionalGetMiddleware does further in: a matching If-None-Match is a 304.
                return get_conditional_response(request, etag=cached.get("ETag"), response=cached)
        return self.get_response(request)
