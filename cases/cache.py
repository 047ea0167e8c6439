"""
Caching of anonymous public pages that is never stale.

Every cached page is keyed by the content version (cases.models.ContentVersion) and every
change to any record of the casebook (save, delete, a many-to-many change, a publish, a
restore) moves the version on once its transaction commits. So a page is recomputed on the
first request after any change, on every app server, and never served stale. Each cacheable
response carries an ETag made from the same key, and a matching If-None-Match gets a 304.

Signed-in staff always get fresh, uncached pages (marked private).
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control

from cases.models import ContentVersion

EXCLUDED_PREFIXES = ("/admin/", "/static/")


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


class PublicPageCacheMiddleware:
    """Serve anonymous GETs of public pages from the cache, keyed by the content version."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable(request):
            response = self.get_response(request)
            if request.user.is_authenticated:
                patch_cache_control(response, private=True, no_cache=True)
            return response

        # Pages show today's date in citations ("accessed ..."): a new day is a new key.
        raw = f"{version_for(request)}|{timezone.localdate()}|{request.method}|{request.get_full_path()}"
        digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
        etag = f'"{digest}"'
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
            response["ETag"] = etag
            return response
        key = f"page:{digest}"
        cached = cache.get(key)
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
            response["ETag"] = etag
            patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
            cache.set(key, response, settings.CACHE_SECONDS)
            response["X-Cache"] = "miss"
        return response
