"""
Ranked full-text search over the published casebook, on the database's own engine.

Each published record has one SearchDocument (title and plain text, plus case- and
accent-folded copies). SQLite matches the folded copies through an FTS5 table ranked by bm25;
PostgreSQL through a weighted tsvector with a GIN index ranked by ts_rank. Titles weigh more
than text on both. Queries are parsed here, never passed through raw: words match as prefixes,
"quoted phrases" match as phrases, and anything else (operators, stray quotes, control
characters) is read as plain words.
"""

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import BooleanField, Count, F, Func, IntegerField, Q, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.utils.html import escape
from django.utils.safestring import mark_safe

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
FTS_TABLE = "cases_searchdocument_fts"
SNIPPET_WORDS = 32
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


@dataclass(frozen=True)
class Term:
    words: tuple
    phrase: bool


def parse_query(query):
    """Terms of a query: quoted phrases and single words, folded; at most MAX_TERMS."""
    text = fold((query or "")[:MAX_QUERY_LENGTH])
    terms = []
    # Balanced quotes are phrases; an unbalanced quote is ignored.
    for phrase, rest in re.findall(r'"([^"]*)"|([^"]+)', text):
        words = tuple(re.findall(r"\w+", phrase or rest))
        if not words:
            continue
        if phrase:
            terms.append(Term(words, phrase=True))
        else:
            terms.extend(Term((word,), phrase=False) for word in words)
    return terms[:MAX_TERMS]


def _fts5_query(terms):
    parts = []
    for term in terms:
        if term.phrase:
            parts.append('"' + " ".join(term.words) + '"')
        else:
            parts.append(f'"{term.words[0]}"*')
    return " AND ".join(parts)


def _pg_query(terms):
    parts = []
    for term in terms:
        if term.phrase:
            parts.append("(" + " <-> ".join(f"'{word}'" for word in term.words) + ")")
        else:
            parts.append(f"'{term.words[0]}':*")
    return SearchQuery(" & ".join(parts), search_type="raw", config=PG_CONFIG)


def is_postgres():
    return connection.vendor == "postgresql"


# -- indexing -------------------------------------------------------------------------------


def plain_text(markdown):
    """Readable text of a Markdown field: no citations, no markup."""
    text = re.sub(r"\s*\[\[cite:[^\]]*\]\]", "", markdown or "")
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[#*_>`|]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def document_fields(record):
    """(kind, title, plain text) of a record, by its model."""
    from cases.models import CaseStudy, Challenge, Organization, SearchDocument, Source

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
    from cases.models import SearchDocument

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
    from cases.models import SearchDocument

    SearchDocument.objects.filter(content_type=ContentType.objects.get_for_model(record), object_id=record.pk).delete()


def _unindex_deleted(sender, instance, **kwargs):
    unindex(instance)


def connect_unindexing():
    """Deleted records leave the index, also when deleted in bulk (the admin's delete action)."""
    from django.db.models.signals import post_delete

    from cases.models import CaseStudy, Challenge, Organization, Source

    for model in (CaseStudy, Organization, Challenge, Source):
        post_delete.connect(_unindex_deleted, sender=model, dispatch_uid=f"search-unindex-{model._meta.label}")


def rebuild():
    """Index every published record again (after bulk loads that bypass save())."""
    from cases.models import CaseStudy, Challenge, Organization, SearchDocument, Source

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
    from cases.cache import bump_content_version

    bump_content_version()
    return count


# -- querying -------------------------------------------------------------------------------


def _pg_matching_documents(terms):
    """SearchDocuments matching the terms on PostgreSQL, annotated with `rank` (higher is better)."""
    from cases.models import SearchDocument

    query = _pg_query(terms)
    return SearchDocument.objects.filter(vector=query).annotate(rank=SearchRank(F("vector"), query))


RANKED_POSITIONS = 500


class CaseStudySearch:
    """
    The case studies matching a query (the `q` filter of the list): `restrict()` keeps the
    matching ones of a queryset, `rank()` also orders them best first. A list page applies the
    match several times (results, count, facet counts, timeline), so the full-text match and its
    ranking run once, in one query, and every other query reuses the ids it found.
    """

    def __init__(self, query):
        self.terms = parse_query(query)

    def __bool__(self):
        return bool(self.terms)

    def restrict(self, queryset):
        return queryset.filter(self.condition())

    def condition(self, field="pk"):
        """A filter condition: `field` holds the id of a matching case study (any id with no terms)."""
        if not self.terms:
            return Q()
        return id_in(field, self.ranked_ids)

    def rank(self, queryset):
        """The matching case studies: the best RANKED_POSITIONS in rank order, the rest by title."""
        if not self.terms:
            return queryset
        search_rank = RankedPosition(F("pk"), self.ranked_ids[:RANKED_POSITIONS])
        return self.restrict(queryset).annotate(search_rank=search_rank).order_by("search_rank", "title", "id")

    @cached_property
    def ranked_ids(self):
        """
        Ids of the matching case studies, best first (bm25 in FTS5, ts_rank on PostgreSQL). Only
        published case studies have a search document, so these are published ones.
        """
        if is_postgres():
            documents = _pg_matching_documents(self.terms).filter(kind="case_study")
            return list(documents.order_by("-rank", "object_id").values_list("object_id", flat=True))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.object_id FROM (SELECT rowid, bm25({FTS_TABLE}, 10.0, 1.0) AS score FROM {FTS_TABLE} "
                f"WHERE {FTS_TABLE} MATCH %s) AS matched JOIN cases_searchdocument d ON d.id = matched.rowid "
                "WHERE d.kind = 'case_study' ORDER BY matched.score, d.object_id",
                [_fts5_query(self.terms)],
            )
            return [row[0] for row in cursor.fetchall()]


class RankedPages:
    """
    The matches of a search that is the list's only filter, in the list's order (the best
    RANKED_POSITIONS by rank, the rest by title), as the paginator reads them: their number is
    that of the ranked ids, and a page loads its own rows alone, where ordering the matches by
    rank in the database reads every one of them.
    """

    def __init__(self, queryset, search):
        self.queryset = queryset
        self.ids = search.ranked_ids

    def count(self):
        return len(self.ids)

    def __getitem__(self, positions):
        start, stop, _ = positions.indices(len(self.ids))
        ranked = self.ids[start : min(stop, RANKED_POSITIONS)]
        rows = self.queryset.in_bulk(ranked)
        page = [rows[pk] for pk in ranked if pk in rows]
        if stop > RANKED_POSITIONS:
            rest = self.queryset.filter(id_in("pk", self.ids[RANKED_POSITIONS:])).order_by("title", "id")
            page += rest[max(start - RANKED_POSITIONS, 0) : stop - RANKED_POSITIONS]
        return page


def id_in(field, ids):
    """
    A filter condition: `field` is one of the ids. One parameter however many ids: a JSON array
    read by json_each on SQLite, an array on PostgreSQL.
    """
    if is_postgres():
        return Q(IdIn(F(field), ids))
    return Q(**{f"{field}__in": RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])})


def search_case_studies(queryset, query):
    """Case studies matching the query, best first."""
    return CaseStudySearch(query).rank(queryset)


class IdsExpression(Func):
    """An expression over an id column and a list of ids, written as SQL directly."""

    def __init__(self, expression, ids):
        super().__init__(expression)
        self.ids = list(ids)


class IdIn(IdsExpression):
    """
    `id = ANY(array)` on PostgreSQL: one parameter however many ids, and the planner knows how
    many there are (it cannot see inside a subquery over the array).
    """

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        return f"{column} = ANY(%s::bigint[])", [*params, self.ids]


class RankedPosition(IdsExpression):
    """
    The position of a row's id in the ranked ids (0 for the first), or their number when it is
    not there. SQLite tries the WHENs of a CASE one by one, so an IN test (a lookup) comes first
    and spares that walk to every row outside them. Hundreds of When() expressions would cost
    more to build and compile than the query takes to run.
    """

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        if not self.ids:
            return f"({column} * 0)", params  # a constant, which an ORDER BY must not read as a position
        placeholders = ", ".join(["%s"] * len(self.ids))
        whens = " ".join(["WHEN %s THEN %s"] * len(self.ids))
        sql = f"CASE WHEN {column} IN ({placeholders}) THEN CASE {column} {whens} END ELSE %s END"
        positions = [value for position, object_id in enumerate(self.ids) for value in (object_id, position)]
        return sql, [*params, *self.ids, *params, *positions, len(self.ids)]


@dataclass
class Hit:
    kind: str
    title: str
    url: str
    snippet: str
    rank: float


def search_all(query, per_kind=10):
    """Hits grouped by kind: {kind label: (total, [Hit, ...])}, best first within each kind."""
    from cases.models import SearchDocument

    terms = parse_query(query)
    if not terms:
        return {}
    if is_postgres():
        best, totals = _pg_best_documents(terms, per_kind)
    else:
        best, totals = _fts5_best_documents(_fts5_query(terms), per_kind)
    rows = SearchDocument.objects.only("kind", "title", "body", "url").in_bulk([document_id for document_id, _ in best])
    hits = {}
    for document_id, rank in best:
        row = rows[document_id]
        hits.setdefault(row.kind, []).append(Hit(row.kind, row.title, row.url, snippet(row.body, terms), rank))
    return {label: (totals[kind], hits[kind]) for kind, label in SearchDocument.Kind.choices if totals.get(kind)}


def _pg_best_documents(terms, per_kind):
    """([(document id, rank)] of the best per_kind of each kind, {kind: total}), in two queries."""

    matching = _pg_matching_documents(terms)
    totals = dict(matching.order_by().values_list("kind").annotate(total=Count("id")))
    best = (
        matching.annotate(
            position=Window(RowNumber(), partition_by=[F("kind")], order_by=[F("rank").desc(), F("title").asc()])
        )
        .filter(position__lte=per_kind)
        .order_by("kind", "position")
        .values_list("id", "rank")
    )
    return list(best), totals


def _fts5_best_documents(match, per_kind):
    """
    The same for SQLite, in one pass of the full-text match: bm25 is computed once per matching
    document inside the FTS5 query (a per-row rank subquery would rerun the match every time).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, kind, score, total FROM ("
            "  SELECT d.id, d.kind, -matched.score AS score,"
            "  ROW_NUMBER() OVER (PARTITION BY d.kind ORDER BY matched.score, d.title) AS position,"
            "  COUNT(*) OVER (PARTITION BY d.kind) AS total"
            f"  FROM (SELECT rowid, bm25({FTS_TABLE}, 10.0, 1.0) AS score FROM {FTS_TABLE}"
            f"        WHERE {FTS_TABLE} MATCH %s) AS matched"
            "  JOIN cases_searchdocument d ON d.id = matched.rowid"
            ") WHERE position <= %s ORDER BY kind, position",
            [match, per_kind],
        )
        best, totals = [], {}
        for document_id, kind, score, total in cursor.fetchall():
            totals[kind] = total
            best.append((document_id, score))
    return best, totals


def highlight(text, terms):
    """Escape text and wrap the matched words in <mark>."""
    return mark_safe(_highlight_span(text, terms, 0, len(text)))


def _match_spans(folded, terms):
    spans = []
    for term in terms:
        if term.phrase:
            pattern = r"\b" + r"\W+".join(re.escape(w) for w in term.words) + r"\w*"
        else:
            pattern = r"\b" + re.escape(term.words[0]) + r"\w*"
        spans += [(m.start(), m.end()) for m in re.finditer(pattern, folded)]
    return sorted(spans)


def _highlight_span(text, terms, start, end):
    folded = fold(text)
    out, position = [], start
    for s, e in _match_spans(folded, terms):
        if s < position or e > end or s < start:
            continue
        out.append(escape(text[position:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        position = e
    out.append(escape(text[position:end]))
    return "".join(out)


def snippet(text, terms):
    """About SNIPPET_WORDS words around the first match, with matches highlighted."""
    spans = _match_spans(fold(text), terms)
    first = spans[0][0] if spans else 0
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    if not words:
        return ""
    index = next((i for i, (s, e) in enumerate(words) if e > first), 0)
    begin = max(0, index - SNIPPET_WORDS // 3)
    finish = min(len(words), begin + SNIPPET_WORDS)
    start, end = words[begin][0], words[finish - 1][1]
    prefix = "… " if begin > 0 else ""
    suffix = " …" if finish < len(words) else ""
    return mark_safe(prefix + _highlight_span(text, terms, start, end) + suffix)
