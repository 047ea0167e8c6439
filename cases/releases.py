"""
The full dump of the published casebook, versioned: `casebook-<n>.json`, its SHA-256 checksum, and
a changelog of the versions.

A version is made on the first request after the published content changed: the records are
read in one snapshot, and if they differ from the last version's (compared by a checksum of the
records alone), a new version is stored with what changed. Editing a draft changes nothing readers
see and makes no version. Each version's file is stored as served, so its checksum holds for good.
"""

import gzip
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.api.serializers import ChallengeSerializer, CountrySerializer, OrganizationSerializer, SourceSerializer
from cases.api.views import CountryViewSet
from cases.cache import computed_once_per_version
from cases.datapackage import LICENCE
from cases.exports import case_study_rows
from cases.models import CaseStudy, Challenge, DataRelease, Organization, Source
from cases.snapshot import read_snapshot

# Each kind of record in the dump, and the field that identifies one.
KINDS = {
    "case_studies": "slug",
    "organizations": "slug",
    "challenges": "slug",
    "countries": "code",
    "sources": "key",
}


def published_records():
    """Every published record, as the API gives it, by kind: read in one snapshot of the database."""
    with read_snapshot():
        return {
            "case_studies": list(case_study_rows(CaseStudy.objects.order_by("slug"))),
            "organizations": OrganizationSerializer(Organization.objects.published().order_by("slug"), many=True).data,
            "challenges": ChallengeSerializer(Challenge.objects.published().order_by("slug"), many=True).data,
            "countries": CountrySerializer(CountryViewSet.queryset.order_by("code"), many=True).data,
            "sources": SourceSerializer(Source.objects.published().order_by("key"), many=True).data,
        }


def _checksum(data):
    return hashlib.sha256(data).hexdigest()


def _canonical(records):
    return json.dumps(records, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def changes_between(old, new):
    """Per kind, the identifiers of records added, removed and changed from `old` to `new`."""
    changes = {}
    for kind, key in KINDS.items():
        before = {record[key]: record for record in old.get(kind, [])}
        after = {record[key]: record for record in new.get(kind, [])}
        changes[kind] = {
            "added": sorted(after.keys() - before.keys()),
            "removed": sorted(before.keys() - after.keys()),
            "changed": sorted(k for k in after.keys() & before.keys() if after[k] != before[k]),
        }
    return changes


def records_of(release):
    """The records a stored version holds."""
    document = json.loads(gzip.decompress(release.data))
    return {kind: document[kind] for kind in KINDS}


def latest_release(request=None):
    """The version of the dump that holds the published casebook as it is now, made if need be."""
    number = computed_once_per_version("data-release", _release_of_current_content, request)
    return DataRelease.objects.get(number=number)


def _release_of_current_content():
    records = json.loads(json.dumps(published_records(), default=str))  # plain lists and dicts
    content_sha256 = _checksum(_canonical(records))
    latest = DataRelease.objects.order_by("-number").first()
    if latest is not None and latest.content_sha256 == content_sha256:
        return latest.number
    number = latest.number + 1 if latest else 1
    released_at = timezone.now().replace(microsecond=0)
    counts = {kind: len(records[kind]) for kind in KINDS}
    document = {
        "name": "peacekeeping-casebook",
        "version": number,
        "released_at": released_at.isoformat(),
        "licence": LICENCE,
        "counts": counts,
        **records,
    }
    data = json.dumps(document, ensure_ascii=False, indent=1).encode()
    try:
        with transaction.atomic():
            DataRelease.objects.create(
                number=number,
                released_at=released_at,
                sha256=_checksum(data),
                content_sha256=content_sha256,
                data=gzip.compress(data),
                counts=counts,
                changes=changes_between(records_of(latest) if latest else {}, records),
            )
    except IntegrityError:
        # Another worker stored this version first; it holds the same records or newer ones.
        return DataRelease.objects.order_by("-number").values_list("number", flat=True).first()
    return number
