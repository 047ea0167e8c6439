"""
The search index, written: one SearchDocument per published record (title and plain text, plus
case- and accent-folded copies, which are what is matched), none for any other. SQLite matches
the folded copies through an FTS5 table kept in step by triggers, PostgreSQL through a weighted
tsvector with a GIN index (both made by migration 0004). cases/derived.py calls `index()`,
`index_case_studies()` and `unindex()` as records and their links change; cases/search.py reads
the index.

A case study's document also holds the names readers look it up by: its other official names,
its host countries, its published organisations (names and acronyms) and its objectives; a
challenge's holds its synonyms.
"""

import re
import unicodedata

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import Prefetch

from cases import wiki_links
from cases.models import CaseOrganization, CaseStudy, Challenge, Organization, SearchDocument, Source

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


# An elided article or preposition joined to its word: d'Ivoire, l’Union (straight or curly).
ELISION = re.compile(r"\b(\w{1,2})['’](\w+)")


def folded_for_matching(text):
    """
    The folded text, and each elided word again written as one ("d'ivoire" also as "divoire"),
    so that "cote divoire" finds Côte d'Ivoire as "cote d'ivoire" does. Only matched, never shown.
    """
    folded = fold(text)
    joined = [article + word for article, word in ELISION.findall(folded)]
    return " ".join([folded, *joined]) if joined else folded


def is_postgres():
    return connection.vendor == "postgresql"


def plain_text(markdown):
    """Readable text of a Markdown field: no citations, no markup; links to pages as their words."""
    text = re.sub(r"\s*\[\[cite:[^\]]*\]\]", "", markdown or "")
    text = wiki_links.LINK_PATTERN.sub(wiki_links.plain_words, text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[#*_>`|]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def case_study_names(case):
    """
    The names a case study is looked up by besides its own: other official names, host
    countries, published organisations with their acronyms, objectives. Read from prefetched
    links when the caller prefetched them (see `for_search_documents`).
    """
    names = list(case.other_names)
    names += [country.name for country in case.countries.all()]
    for role in case.roles.all():
        if role.organization.is_published:  # a draft's name is found nowhere
            names += [role.organization.name, role.organization.acronym]
    names += [objective.name for objective in case.objectives.all()]
    return names


def for_search_documents(case_studies):
    """Case studies with every link their documents read, in a fixed number of queries."""
    return case_studies.prefetch_related(
        "countries", "objectives", Prefetch("roles", queryset=CaseOrganization.objects.select_related("organization"))
    )


def document_fields(record):
    """(kind, title, plain text) of a record, by its model."""
    if isinstance(record, CaseStudy):
        title = record.title
        text = " ".join(
            [
                record.mission_name,
                record.acronym,
                *case_study_names(record),
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
        # Synonyms last: a snippet shows the challenge's own words first.
        text = " ".join([plain_text(record.summary), plain_text(record.body), *lines(record.synonyms)])
        return SearchDocument.Kind.CHALLENGE, record.name, text
    if isinstance(record, Source):
        text = " ".join([record.identifier, record.authors, record.publisher, record.key])
        return SearchDocument.Kind.SOURCE, record.title, text
    raise TypeError(f"{type(record).__name__} is not searchable")


def document_values(record):
    """The SearchDocument fields of a published record."""
    kind, title, text = document_fields(record)
    return {
        "kind": kind,
        "title": title[:300],
        "body": text,
        "folded_title": folded_for_matching(title),
        "folded_body": folded_for_matching(text),
        "url": record.get_absolute_url(),
    }


def index(record):
    """Make the record's search document match it: present when published, absent otherwise."""
    if not record.is_published:
        unindex(record)
        return
    document, _ = SearchDocument.objects.update_or_create(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk, defaults=document_values(record)
    )
    if is_postgres():
        SearchDocument.objects.filter(pk=document.pk).update(vector=_pg_vector())


def index_case_studies(ids):
    """Write the documents of these case studies again, after a change to what they link to."""
    for case in for_search_documents(CaseStudy.objects.filter(pk__in=list(ids))):
        index(case)


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
        records = model.objects.published()
        if model is CaseStudy:
            records = for_search_documents(records)
        for record in records.iterator(chunk_size=2000):
            documents.append(SearchDocument(content_type=content_type, object_id=record.pk, **document_values(record)))
        SearchDocument.objects.bulk_create(documents, batch_size=2000)
        count += len(documents)
    if is_postgres():
        SearchDocument.objects.update(vector=_pg_vector())
    return count
