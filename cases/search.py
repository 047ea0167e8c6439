"""
Ranked full-text search over the published casebook, on the database's own engine: the reading
side of the search index that cases/search_index.py writes. SQLite ranks the matches of its FTS5
table by bm25, PostgreSQL those of its tsvector by ts_rank; titles weigh more than text on both.
Queries are parsed here, never passed through raw: words match as prefixes, "quoted phrases"
match as phrases, and anything else (operators, stray quotes, control characters) is read as
plain words.
"""

import json
import re
from dataclasses import dataclass
from functools import cached_property

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import BooleanField, Count, F, Func, IntegerField, Q, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.utils.html import escape
from django.utils.safestring import mark_safe

from cases.models import SearchDocument
from cases.search_index import FTS_TABLE, PG_CONFIG, fold, is_postgres

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
SNIPPET_WORDS = 32


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


# -- querying -------------------------------------------------------------------------------


def _pg_matching_documents(terms):
    """SearchDocuments matching the terms on PostgreSQL, annotated with `rank` (higher is better)."""
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
