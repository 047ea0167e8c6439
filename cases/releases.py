"""
The full dump of the published casebook, versioned: `casebook-<n>.json`, its SHA-256 checksum, and
a changelog of the versions.

A version is made by `manage.py release_data`: the records are read in one snapshot, a batch at a
time, and if they differ from the last version's (compared by a checksum of the records alone), a
new version is stored with what changed. Editing a draft changes nothing readers see and makes no
version. Each version's file is stored as served, so its checksum holds for good.
"""

import gzip
import hashlib
import io
import json

from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.api.serializers import ChallengeSerializer, CountrySerializer, OrganizationSerializer, SourceSerializer
from cases.api.views import CountryViewSet
from cases.datapackage import LICENCE
from cases.exports import case_study_rows
from cases.models import CaseStudy, Challenge, DataRelease, Organization, Source
from cases.snapshot import read_snapshot

BATCH = 2000
# Each kind of record in the dump, in the order the file holds them, and the field that identifies one.
KINDS = {
    "case_studies": "slug",
    "organizations": "slug",
    "challenges": "slug",
    "countries": "code",
    "sources": "key",
}


def published_records():
    """
    (kind, records) for each kind of KINDS in order, the records as the API gives them: read in
    one snapshot of the database, a batch at a time (each kind's records are read before the next
    kind is asked for), so a casebook of any size fits in little memory.
    """
    with read_snapshot():
        yield "case_studies", case_study_rows(CaseStudy.objects.order_by("slug"))
        for kind, serializer, queryset in [
            ("organizations", OrganizationSerializer, Organization.objects.published().order_by("slug")),
            ("challenges", ChallengeSerializer, Challenge.objects.published().order_by("slug")),
            ("countries", CountrySerializer, CountryViewSet.queryset.order_by("code")),
            ("sources", SourceSerializer, Source.objects.published().order_by("key")),
        ]:
            yield kind, (serializer(record).data for record in queryset.iterator(chunk_size=BATCH))


def _checksum(data):
    return hashlib.sha256(data).hexdigest()


def _canonical(record):
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def changes_between(old_hashes, new_hashes):
    """Per kind, the identifiers of records added, removed and changed, from two versions' record hashes."""
    changes = {}
    for kind in KINDS:
        before, after = old_hashes.get(kind, {}), new_hashes.get(kind, {})
        changes[kind] = {
            "added": sorted(after.keys() - before.keys()),
            "removed": sorted(before.keys() - after.keys()),
            "changed": sorted(k for k in after.keys() & before.keys() if after[k] != before[k]),
        }
    return changes


def make_release():
    """
    (number, made): a new version of the dump if published content changed since the last one,
    else the last one's number. Reading and writing 50,000 case studies takes tens of seconds and
    is not a reader's wait: `manage.py release_data` does it (after `load_content`, and on a
    schedule), never a request.
    """
    latest = DataRelease.objects.defer("data").order_by("-number").first()
    number = _release_of_current_content(latest)
    return number, latest is None or number != latest.number


class _Writer:
    """The file of one version, written as it is read: gzip-compressed, its checksum kept as it grows."""

    def __init__(self):
        self.buffer = io.BytesIO()
        self.gzip = gzip.GzipFile(fileobj=self.buffer, mode="wb", mtime=0)
        self.sha256 = hashlib.sha256()

    def write(self, text):
        data = text.encode()
        self.sha256.update(data)
        self.gzip.write(data)

    def close(self):
        self.gzip.close()
        return self.buffer.getvalue()


def _release_of_current_content(latest):
    number = latest.number + 1 if latest else 1
    released_at = timezone.now().replace(microsecond=0)
    writer = _Writer()
    header = {"name": "peacekeeping-casebook", "version": number, "released_at": released_at.isoformat()}
    writer.write(
        json.dumps(header, ensure_ascii=False)[:-1] + f', "licence": {json.dumps(LICENCE, ensure_ascii=False)}'
    )
    # Each record's hash (short: it tells records apart, nothing more) for the next version's
    # changes; the hash of them all tells whether anything changed.
    hashes = {kind: {} for kind in KINDS}
    content = hashlib.sha256()
    # Every kind has its list, in KINDS' order, even an empty one.
    for kind, records in published_records():
        writer.write(f',\n "{kind}": [')
        content.update(kind.encode())
        first = True
        for record in records:
            canonical = _canonical(record)
            content.update(canonical)
            hashes[kind][str(record[KINDS[kind]])] = _checksum(canonical)[:16]
            writer.write(("\n  " if first else ",\n  ") + json.dumps(record, ensure_ascii=False, default=str))
            first = False
        writer.write("]" if first else "\n ]")
    counts = {kind: len(hashes[kind]) for kind in KINDS}
    writer.write(f',\n "counts": {json.dumps(counts)}\n}}\n')
    content_sha256 = content.hexdigest()
    if latest is not None and latest.content_sha256 == content_sha256:
        return latest.number
    data = writer.close()
    try:
        with transaction.atomic():
            DataRelease.objects.create(
                number=number,
                released_at=released_at,
                sha256=writer.sha256.hexdigest(),
                content_sha256=content_sha256,
                data=data,
                counts=counts,
                record_hashes=hashes,
                changes=changes_between(latest.record_hashes if latest else {}, hashes),
            )
    except IntegrityError:
        # Another worker stored this version first; it holds the same records or newer ones.
        return DataRelease.objects.order_by("-number").values_list("number", flat=True).first()
    return number
