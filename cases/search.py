"""
Ranked full-text search over the published casebook, on the database's own engine: the reading
side of the search index that cases/search_index.py writes. SQLite ranks the matches of its FTS5
table by bm25, PostgreSQL those of its tsvector by ts_rank; titles weigh more than text on both.
Queries are parsed here, never passed through raw: words match as prefixes, "quoted phrases"
match as phrases, and anything else (operators, stray quotes, control characters) is read as
plain words. A record matches when it has all the words; when none has, those with any of them
are offered instead (and said to be), with a "did you mean" built from the casebook's own terms.
"""

import bisect
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
from rapidfuzz import fuzz, process

from cases.cache import computed_once_per_version
from cases.models import CaseStudy, Country, Organization, SearchDocument
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


def unparse(terms):
    """A query that parses into these terms again."""
    return " ".join('"' + " ".join(term.words) + '"' if term.phrase else term.words[0] for term in terms)


def _fts5_query(terms, any_word=False):
    parts = []
    for term in terms:
        if term.phrase:
            parts.append('"' + " ".join(term.words) + '"')
        else:
            parts.append(f'"{term.words[0]}"*')
    return (" OR " if any_word else " AND ").join(parts)


def _pg_query(terms, any_word=False):
    parts = []
    for term in terms:
        if term.phrase:
            parts.append("(" + " <-> ".join(f"'{word}'" for word in term.words) + ")")
        else:
            parts.append(f"'{term.words[0]}':*")
    return SearchQuery((" | " if any_word else " & ").join(parts), search_type="raw", config=PG_CONFIG)


# -- querying -------------------------------------------------------------------------------


def _pg_matching_documents(terms, any_word=False):
    """SearchDocuments matching the terms on PostgreSQL, annotated with `rank` (higher is better)."""
    query = _pg_query(terms, any_word)
    return SearchDocument.objects.filter(vector=query).annotate(rank=SearchRank(F("vector"), query))


# The FTS5 match as a subquery of (rowid, score), lower scores better; its one parameter is the query.
FTS5_MATCHES = f"(SELECT rowid, bm25({FTS_TABLE}, 10.0, 1.0) AS score FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"


RANKED_POSITIONS = 500


class CaseStudySearch:
    """
    The case studies matching a query (the `q` filter of the list): `restrict()` keeps the
    matching ones of a queryset, `rank()` also orders them best first. A list page applies the
    match several times (results, count, facet counts, timeline), so the full-text match and its
    ranking run once, in one query, and every other query reuses the ids it found.
    """

    kind = SearchDocument.Kind.CASE_STUDY

    def __init__(self, query, request=None):
        self.terms = parse_query(query)
        self.request = request

    def __bool__(self):
        return bool(self.terms)

    @property
    def matched_any(self):
        """True when no case study has all the words, so those with any of them are the matches."""
        # A query of punctuation alone ('"', '-') has no terms: nothing to match, all or any.
        return bool(self.terms) and self._matches[1]

    @cached_property
    def suggestion(self):
        """A query with misspelt words corrected, when no case study has all the words (else None)."""
        if not self.terms or self._all_words_matched:
            return None
        return suggest(self.terms, self.request)

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

    @property
    def ranked_ids(self):
        """
        Ids of the matching case studies, best first (bm25 in FTS5, ts_rank on PostgreSQL): those
        with all the words, or when there is none, those with any of them. Only published case
        studies have a search document, so these are published ones.
        """
        return self._matches[0]

    @property
    def _all_words_matched(self):
        return bool(self._matches[0]) and not self._matches[1]

    @cached_property
    def _matches(self):
        """(ranked ids, whether they match any word rather than all)."""
        ids = self._ranked_ids(any_word=False)
        if ids or len(self.terms) < 2:
            return ids, False
        ids = self._ranked_ids(any_word=True)
        return ids, bool(ids)

    def _ranked_ids(self, any_word):
        if is_postgres():
            documents = _pg_matching_documents(self.terms, any_word).filter(kind=self.kind)
            return list(documents.order_by("-rank", "object_id").values_list("object_id", flat=True))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.object_id FROM {FTS5_MATCHES} AS matched "
                "JOIN cases_searchdocument d ON d.id = matched.rowid "
                "WHERE d.kind = %s ORDER BY matched.score, d.object_id",
                [_fts5_query(self.terms, any_word), self.kind],
            )
            return [row[0] for row in cursor.fetchall()]


class SourceSearch(CaseStudySearch):
    """The same for the sources of the bibliography (`q` on /sources/): title, authors, publisher, identifier, key."""

    kind = SearchDocument.Kind.SOURCE


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


@dataclass
class SearchResults:
    """
    What /search/ shows: hits grouped by kind, {kind label: (total, [Hit, ...])}, best first
    within each kind; whether they match any of the words rather than all (none had all); and a
    corrected query when none had all the words and some look misspelt.
    """

    groups: dict
    matched_any: bool = False
    suggestion: str | None = None


def search_all(query, per_kind=10, request=None):
    """The best `per_kind` hits of each kind, with the total of each (see SearchResults)."""
    terms = parse_query(query)
    if not terms:
        return SearchResults({})
    best, totals = _best_documents(terms, per_kind, any_word=False)
    matched_any, suggestion = False, None
    if not totals:
        suggestion = suggest(terms, request)
        if len(terms) > 1:
            best, totals = _best_documents(terms, per_kind, any_word=True)
            matched_any = bool(totals)
    hits = {}
    for hit in _hits(best, terms):
        hits.setdefault(hit.kind, []).append(hit)
    groups = {label: (totals[kind], hits[kind]) for kind, label in SearchDocument.Kind.choices if totals.get(kind)}
    return SearchResults(groups, matched_any, suggestion)


def _best_documents(terms, per_kind, any_word):
    if is_postgres():
        return _pg_best_documents(_pg_matching_documents(terms, any_word), per_kind)
    return _fts5_best_documents(_fts5_query(terms, any_word), per_kind)


def _hits(best, terms):
    """Hits for [(document id, rank)], in that order, in one query."""
    rows = SearchDocument.objects.only("kind", "title", "body", "url").in_bulk([document_id for document_id, _ in best])
    return [
        Hit(
            rows[document_id].kind,
            rows[document_id].title,
            rows[document_id].url,
            snippet(rows[document_id].body, terms),
            rank,
        )
        for document_id, rank in best
    ]


def _pg_best_documents(matching, per_kind):
    """([(document id, rank)] of the best per_kind of each kind, {kind: total}), in two queries."""
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
            f"  FROM {FTS5_MATCHES} AS matched"
            "  JOIN cases_searchdocument d ON d.id = matched.rowid"
            ") WHERE position <= %s ORDER BY kind, position",
            [match, per_kind],
        )
        best, totals = [], {}
        for document_id, kind, score, total in cursor.fetchall():
            totals[kind] = total
            best.append((document_id, score))
    return best, totals


class KindHits:
    """
    All the hits of one kind, best first, as a paginator reads them: `count()` in one query,
    a page in two (its ranks, then its rows). Like the grouped results, they match all the
    words, or any of them when no record of the kind has all.
    """

    def __init__(self, query, kind):
        self.terms = parse_query(query)
        self.kind = kind
        self.matched_any = False

    def count(self):
        if not self.terms:
            return 0
        total = self._count(any_word=False)
        if not total and len(self.terms) > 1:
            total = self._count(any_word=True)
            self.matched_any = bool(total)
        return total

    def _count(self, any_word):
        if is_postgres():
            return _pg_matching_documents(self.terms, any_word).filter(kind=self.kind).count()
        with connection.cursor() as cursor:
            # An IN list, not a join: joined, SQLite would run the match once per document of the kind.
            cursor.execute(
                "SELECT COUNT(*) FROM cases_searchdocument WHERE kind = %s "
                f"AND id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)",
                [self.kind, _fts5_query(self.terms, any_word)],
            )
            return cursor.fetchone()[0]

    def __getitem__(self, positions):
        start, stop = positions.start or 0, positions.stop
        if is_postgres():
            matching = _pg_matching_documents(self.terms, self.matched_any).filter(kind=self.kind)
            best = list(matching.order_by("-rank", "title", "id").values_list("id", "rank")[start:stop])
        else:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT d.id, -matched.score FROM {FTS5_MATCHES} AS matched "
                    "JOIN cases_searchdocument d ON d.id = matched.rowid WHERE d.kind = %s "
                    "ORDER BY matched.score, d.title, d.id LIMIT %s OFFSET %s",
                    [_fts5_query(self.terms, self.matched_any), self.kind, stop - start, start],
                )
                best = cursor.fetchall()
        return _hits(best, self.terms)


# -- "did you mean" ----------------------------------------------------------------------------

SHORTEST_CORRECTED = 4  # shorter words are too often right and too easily "corrected"


class Vocabulary:
    """
    The casebook's own terms, folded: the words of published titles, acronyms, other official
    names, country and organisation names. Built once per content version (see `vocabulary()`).
    """

    def __init__(self, texts):
        words = {word for text in texts for word in re.findall(r"\w+", fold(text)) if not word.isdigit()}
        self.sorted = sorted(words)
        self.by_length = {}
        for word in self.sorted:
            self.by_length.setdefault(len(word), []).append(word)

    def knows(self, word):
        """The word, or a word it begins (words match as prefixes)."""
        position = bisect.bisect_left(self.sorted, word)
        return position < len(self.sorted) and self.sorted[position].startswith(word)

    def correction(self, word):
        """The closest known word to an unknown one (itself when known, short or not close to any)."""
        if len(word) < SHORTEST_CORRECTED or word.isdigit() or self.knows(word):
            return word
        # A misspelling is rarely more than two letters longer or shorter: compare only those.
        candidates = [w for length in range(len(word) - 2, len(word) + 3) for w in self.by_length.get(length, [])]
        # The ratio is difflib's (matching letters over total letters), computed in C: a casebook
        # of 50,000 entries has as many words, too many to compare one by one in Python.
        closest = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=80)
        return closest[0] if closest else word


def _vocabulary_texts():
    """Every text the vocabulary is made of, in one query: only published records have a search document."""
    published_cases = CaseStudy.objects.published().order_by()
    return SearchDocument.objects.values_list("title", flat=True).union(
        published_cases.values_list("acronym", flat=True),
        published_cases.values_list("official_names", flat=True),
        Organization.objects.published().order_by().values_list("acronym", flat=True),
        Country.objects.order_by().values_list("name", flat=True),
    )


def vocabulary(request=None):
    return computed_once_per_version("search-vocabulary", lambda: Vocabulary(_vocabulary_texts()), request)


def suggest(terms, request=None):
    """
    The query with each misspelt word replaced by the closest of the casebook's terms, or None.
    A word is misspelt when it is not one of those terms and finds nothing by itself either (it
    may be a word of some text: "peacekeepers" is no misspelling of "peacekeeping").
    """
    known = vocabulary(request)
    corrections = {word: known.correction(word) for term in terms for word in term.words}
    corrections = {word: better for word, better in corrections.items() if better != word}
    for word in _words_found(list(corrections)):
        del corrections[word]
    if not corrections:
        return None
    return unparse([Term(tuple(corrections.get(w, w) for w in term.words), term.phrase) for term in terms])


def _words_found(words):
    """Those of the words that match some document by themselves (as prefixes), in one query."""
    if not words:
        return []
    if is_postgres():
        test = "EXISTS (SELECT 1 FROM cases_searchdocument WHERE vector @@ to_tsquery(%s::regconfig, %s))"
        params = [value for word in words for value in (PG_CONFIG, f"'{word}':*")]
    else:
        test = f"EXISTS (SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"
        params = [f'"{word}"*' for word in words]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join([test] * len(words)), params)
        return [word for word, found in zip(words, cursor.fetchone(), strict=True) if found]


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
