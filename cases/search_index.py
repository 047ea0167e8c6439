"""
The search index, written: one SearchDocument per published record (title and plain text, plus
case- and accent-folded copies, which are what is matched), none for any other. SQLite matches
the folded copies through an FTS5 table kept in step by triggers, PostgreSQL through a weighted
tsvector with a GIN index (both made by migration 0004). cases/derived.py calls `index()` and
`unindex()` as records change; cases/search.py reads the index.
"""

import re
import unicodedata

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVector
from django.db import connection

from cases.models import CaseStudy, Challenge, Organization, SearchDocument, Source

FTS_TABLE = "cases_searchdocument_fts"
PG_CONFIG = "english"


def fold(text):
    """Lower-case, accents removed: 'Lomé' -> 'lome'. One output character per input character."""
    text = text or ""
    if text.isascii():
        return text.lower()  # the same result, without a Unicode lookup per character
    return "".join(_fold_char(c) for c in text)


def _fold_char(char):
    base = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in base if not unicodedata.combining(c)) or char
    base = base.casefold()
    return base if len(base) == 1 else char.casefold()[:1] or char


def is_postgres():
    return connection.vendor == "postgresql"


def plain_text(markdown):
    """Readable text of a Markdown field: no citations, no markup."""
    text = re.sub(r"\s*\[\[cite:[^\]]*\]\]", "", markdown or "")
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[#*_>`|]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def document_fields(record):
    """(kind, title, plain text) of a record, by its model."""
    if isinstance(record, CaseStudy):
        title = record.title
        text = " ".join(
            [
                record.mission_name,
                record.acronym,
                plain_text(record.summary),
                plain_text(record.body),
                plain_text(record.lessons),
            ]
        )
        return SearchDocument.Kind.CASE_STUDY, title, text
    if isinstance(record, Organization):
        text = " ".join([record.acronym, plain_text(record.summary), plain_text(record.body)])
        return SearchDocument.Kind.ORGANIZATION, record.name, text
    if isinstance(record, Challenge):
        return SearchDocument.Kind.CHALLENGE, record.name, plain_text(record.summary) + " " + plain_text(record.body)
    if isinstance(record, Source):
        text = " ".join([record.identifier, record.authors, record.publisher, record.key])
        return SearchDocument.Kind.SOURCE, record.title, text
    raise TypeError(f"{type(record).__name__} is not searchable")


def index(record):
    """Make the record's search document match it: present when published, absent otherwise."""
    if not record.is_published:
        unindex(record)
        return
    kind, title, text = document_fields(record)
    document, _ = SearchDocument.objects.update_or_create(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        defaults={
            "kind": kind,
            "title": title[:300],
            "body": text,
            "folded_title": fold(title),
            "folded_body": fold(text),
            "url": record.get_absolute_url(),
        },
    )
    if is_postgres():
        SearchDocument.objects.filter(pk=document.pk).update(vector=_pg_vector())


def _pg_vector():
    return SearchVector("folded_title", weight="A", config=PG_CONFIG) + SearchVector(
        "folded_body", weight="B", config=PG_CONFIG
    )


def unindex(record):
    SearchDocument.objects.filter(content_type=ContentType.objects.get_for_model(record), object_id=record.pk).delete()


def rebuild():
    """Index every published record again (after bulk loads that bypass save())."""
    SearchDocument.objects.all().delete()
    count = 0
    for model in (CaseStudy, Organization, Challenge, Source):
        documents = []
        content_type = ContentType.objects.get_for_model(model)
        for record in model.objects.published().iterator(chunk_size=2000):
            kind, title, text = document_fields(record)
            documents.append(
                SearchDocument(
                    content_type=content_type,
                    object_id=record.pk,
                    kind=kind,
                    title=title[:300],
                    body=text,
                    folded_title=fold(title),
                    folded_body=fold(text),
                    url=record.get_absolute_url(),
                )
            )
        SearchDocument.objects.bulk_create(documents, batch_size=2000)
        count += len(documents)
    if is_postgres():
        SearchDocument.objects.update(vector=_pg_vector())
    return count
