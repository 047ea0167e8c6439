"""
Readers' reports of errors: which record and version a page shows, who sent a report (as a
keyed hash, never the address), and how many reports one address may send in a minute.

No third-party service is involved: a rate limit per address kept in the cache, a honeypot
field and size limits (cases/forms.py) keep spam out.
"""

from axes.helpers import get_client_ip_address
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme

from cases import versions
from cases.models import REPORT_PAGE_LENGTH, CaseStudy, Challenge, ErrorReport, Organization, Source

REPORTS_PER_WINDOW = 5
WINDOW_SECONDS = 60

# The public pages that show one record: their URL names, the model and its URL lookup.
RECORD_PAGES = {
    "cases:detail": (CaseStudy, "slug"),
    "cases:history": (CaseStudy, "slug"),
    "cases:version": (CaseStudy, "slug"),
    "cases:organization_detail": (Organization, "slug"),
    "cases:organization_history": (Organization, "slug"),
    "cases:organization_version": (Organization, "slug"),
    "cases:challenge_detail": (Challenge, "slug"),
    "cases:challenge_history": (Challenge, "slug"),
    "cases:challenge_version": (Challenge, "slug"),
    "cases:source_detail": (Source, "key"),
    "cases:source_history": (Source, "key"),
    "cases:source_version": (Source, "key"),
}


def local_page(value):
    """The address of a page of this site from `value` (a path, query included), or ""."""
    value = (value or "").strip()
    if not value.startswith("/") or len(value) > REPORT_PAGE_LENGTH:
        return ""
    # No scheme, no host, no "//elsewhere" or "/\elsewhere": only a path on this site.
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=set()):
        return ""
    return value


def record_on_page(page, request=None):
    """(published record, version number) the page shows, or (None, None) for other pages."""
    try:
        match = resolve(page.split("?", 1)[0])
    except Resolver404:
        return None, None
    model, lookup = RECORD_PAGES.get(match.view_name, (None, None))
    if model is None:
        return None, None
    record = model.objects.published().filter(**{lookup: match.kwargs[lookup]}).first()
    if record is None:
        return None, None
    number = match.kwargs.get("number") or versions.latest_number(record, request)
    return record, number


def sender_of(request):
    """
    A keyed hash of the sender's address. Editors can see that reports came from one sender,
    and the rate limit can count them, without the casebook keeping readers' addresses.
    """
    address = get_client_ip_address(request) or "unknown"
    return salted_hmac("casebook.error-report-sender", address).hexdigest()[:16]


def over_the_limit(sender):
    """
    Count one report from this sender; True if it is more than REPORTS_PER_WINDOW within
    WINDOW_SECONDS of their first. add() and incr() are atomic in every cache Django ships, so
    concurrent reports are counted exactly; the window starts with the first report.
    """
    key = f"error-report-rate:{sender}"
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:
        # The window ended between add() and incr() (or the cache keeps nothing): a new one.
        cache.set(key, 1, WINDOW_SECONDS)
        count = 1
    return count > REPORTS_PER_WINDOW


@transaction.atomic
def store_report(*, page, message, source, email, sender, request=None):
    record, number = record_on_page(page, request) if page else (None, None)
    return ErrorReport.objects.create(
        page=page,
        content_type=ContentType.objects.get_for_model(record) if record else None,
        object_id=record.pk if record else None,
        version_number=number if record else None,
        message=message,
        source=source,
        email=email,
        sender=sender,
    )
