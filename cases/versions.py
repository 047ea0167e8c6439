"""
Permanent versions: every published version of a case study, organisation, challenge or source
has an address of its own (/cases/<slug>/v/<n>/) that shows it as it was published.

Which versions, and their numbers. A record's public versions are its versions saved while it
was published, less those whose only change from the published version before was workflow
bookkeeping (a status change, a save that changed nothing): those show the same page as the
version before them. They are numbered from 1, the first published, in the order they were
saved; a number depends only on the versions before it, so adding versions never renumbers one.

What a version shows. Everything comes from the data stored with the version (django-reversion),
inline rows included, never from the live record. The sources it cites are shown as they were
when it was saved: their details are kept with its revision (`SourceSnapshot`, written by
`snapshot_cited_sources` for every revision, wherever it is created); a version saved before
snapshots existed shows each source's own version of that date, or the live source if it had
none yet. Drafts never show: a version page shows a source only if it was published then and is
published now, and links to organisations and challenges only if they are published now.
"""

import html as html_lib
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.html import strip_tags
from reversion.models import Version

from cases import bibliography, csl, highwire, selectors
from cases.cache import computed_once_per_version
from cases.citations import cited_keys, render_markdown
from cases.editorial import IMPORTED_FIELDS
from cases.history import WORKFLOW_FIELDS, word_diff
from cases.models import (
    CaseChallenge,
    CaseOrganization,
    CaseStudy,
    Challenge,
    Citation,
    Contribution,
    Country,
    LegalInstrument,
    Objective,
    Organization,
    Source,
    SourceSnapshot,
    Status,
    StrengthFigure,
    TimelineEvent,
    format_date,
)

# Records whose text and rows cite sources.
CITING = (CaseStudy, Organization, Challenge)
# A case study's inline rows, by the name its page reads them by.
CASE_ROWS = {
    CaseOrganization: "roles",
    CaseChallenge: "case_challenges",
    TimelineEvent: "timeline_events",
    StrengthFigure: "strength_figures",
    LegalInstrument: "instruments",
    Contribution: "contributions",
}
# Derived from the text on save, or kept by the UN data import: never a change of its own.
DERIVED_FIELDS = {"rendered"} | IMPORTED_FIELDS
# The URL names of each kind's pages, and how its live record is looked up.
URL_NAMES = {
    CaseStudy: ("cases:version", "cases:history", "slug"),
    Organization: ("cases:organization_version", "cases:organization_history", "slug"),
    Challenge: ("cases:challenge_version", "cases:challenge_history", "slug"),
    Source: ("cases:source_version", "cases:source_history", "key"),
}


# -- a version as stored -----------------------------------------------------------------------


class VersionState:
    """One version of a record, read from its stored data: the record, its inline rows and citations."""

    def __init__(self, version):
        self.version = version
        stored = version._object_version
        self.record = stored.object
        self.m2m = stored.m2m_data or {}

    @property
    def date(self):
        return self.version.revision.date_created

    @cached_property
    def _rows_and_citations(self):
        rows, citations = defaultdict(list), []
        is_case = isinstance(self.record, CaseStudy)
        for other in self.version.revision.version_set.exclude(pk=self.version.pk):
            model = other._model
            if model is Citation:
                citations.append(other._object_version.object)
            elif is_case and model in CASE_ROWS:
                row = other._object_version.object
                # A revision may hold other records' rows too; only this record's are its own.
                if row.case_study_id == self.record.pk:
                    rows[model].append(row)
        owners = {_owner_key(self.record)} | {_owner_key(row) for model_rows in rows.values() for row in model_rows}
        return rows, [citation for citation in citations if (citation.content_type_id, citation.object_id) in owners]

    @property
    def rows(self):
        return self._rows_and_citations[0]

    @property
    def citations(self):
        return self._rows_and_citations[1]

    def record_content(self):
        many = tuple(sorted((name, tuple(sorted(map(str, ids)))) for name, ids in self.m2m.items()))
        return _content(self.record), many

    def rows_content(self):
        cited = defaultdict(list)
        for citation in self.citations:
            cited[(citation.content_type_id, citation.object_id)].append(
                _content(citation, leave_out={"content_type_id", "object_id"})
            )

        def with_citations(obj, leave_out=()):
            return _content(obj, leave_out=leave_out), tuple(sorted(cited[_owner_key(obj)]))

        rows = sorted(
            (model._meta.label, with_citations(row, leave_out={"case_study_id"}))
            for model, model_rows in self.rows.items()
            for row in model_rows
        )
        return tuple(rows), tuple(sorted(cited[_owner_key(self.record)]))

    def same_content_as(self, other):
        """True when the two differ only in workflow bookkeeping (status, dates, who changed it)."""
        return self.record_content() == other.record_content() and self.rows_content() == other.rows_content()


def _owner_key(obj):
    return ContentType.objects.get_for_model(obj).pk, obj.pk


def _content(obj, leave_out=()):
    return tuple(
        (field.attname, field.value_to_string(obj))
        for field in obj._meta.concrete_fields
        if not field.primary_key
        and field.name not in WORKFLOW_FIELDS | DERIVED_FIELDS
        and field.attname not in leave_out
    )


# -- which versions are public, and their numbers ------------------------------------------------


@dataclass
class PublicVersion:
    number: int
    state: VersionState
    record: object  # the live record

    @property
    def date(self):
        return self.state.date

    @property
    def comment(self):
        return self.state.version.revision.get_comment()

    @property
    def path(self):
        return version_path(self.record, self.number)

    @property
    def permanent_url(self):
        return settings.SITE_URL + self.path

    @cached_property
    def reader_view(self):
        return reader_view(self)


def public_versions(record):
    """The record's public versions, oldest (number 1) first."""
    stored = Version.objects.get_for_object(record).select_related("revision").order_by("pk")
    listed, previous = [], None
    for version in stored:
        if version.field_dict.get("status") != Status.PUBLISHED:
            continue
        state = VersionState(version)
        if previous is None or not state.same_content_as(previous):
            listed.append(PublicVersion(len(listed) + 1, state, record))
        previous = state
    return listed


def latest_public(record, request=None):
    """
    (number, date) of the record's latest public version, or None if it has none; kept until
    the content changes.
    """
    if not record.is_published:
        return None

    def compute():
        listed = public_versions(record)
        # Cached as () for "none", since the cache cannot tell a stored None from a miss.
        return (listed[-1].number, listed[-1].date) if listed else ()

    name = f"latest-public:{record._meta.label_lower}:{record.pk}"
    return computed_once_per_version(name, compute, request) or None


def latest_number(record, request=None):
    """The number of the record's latest public version (None if it has none), kept until the content changes."""
    latest = latest_public(record, request)
    return latest[0] if latest else None


def public_version(record, number):
    """The public version `number` of a record, or 404."""
    listed = public_versions(record)
    if not 1 <= number <= len(listed):
        raise Http404("No such version.")
    return listed[number - 1], listed[-1]


def version_path(record, number):
    version_name, _, lookup = URL_NAMES[type(record)]
    return reverse(version_name, args=[getattr(record, lookup), number])


def history_path(record):
    _, history_name, lookup = URL_NAMES[type(record)]
    return reverse(history_name, args=[getattr(record, lookup)])


def cite_as(path):
    """The `Link` header naming a page's permanent address (RFC 8574)."""
    return f'<{settings.SITE_URL}{path}>; rel="cite-as"'


# -- the sources a version cites, as they were ---------------------------------------------------


def snapshot_cited_sources(sender, revision, versions, **kwargs):
    """Keep, with a revision that holds a published record, the details of the sources it cites."""
    keys, ids, publishes = set(), set(), False
    for version in versions:
        model, obj = version._model, version._object_version.object
        if model in CITING:
            publishes = publishes or obj.status == Status.PUBLISHED
            keys.update(cited_keys(*(getattr(obj, name) for name in model.markdown_fields)))
        elif model in (CaseChallenge, TimelineEvent):
            keys.update(cited_keys(obj.description))
        elif model in (Citation, StrengthFigure, LegalInstrument):
            ids.add(obj.source_id)
    if not publishes:
        return
    cited = Source.objects.published().filter(Q(pk__in=ids) | Q(key__in=keys)).order_by("pk")
    details = {str(entry["pk"]): entry["fields"] for entry in serializers.serialize("python", cited)}
    SourceSnapshot.objects.create(revision=revision, sources=details)


def _source_from(pk, fields):
    record = {"model": Source._meta.label_lower, "pk": int(pk), "fields": fields}
    [deserialized] = serializers.deserialize("python", [record], ignorenonexistent=True)
    return deserialized.object


def sources_then(state):
    """{id: Source} of the sources the version cites, as they were then, published then and now."""
    texts = _texts(state)
    ids = {row.source_id for model in (StrengthFigure, LegalInstrument) for row in state.rows.get(model, [])}
    ids |= {citation.source_id for citation in state.citations}
    live = {source.pk: source for source in Source.objects.filter(Q(pk__in=ids) | Q(key__in=cited_keys(*texts)))}
    snapshot = SourceSnapshot.objects.filter(revision_id=state.version.revision_id).first()
    if snapshot is not None:
        then = {int(pk): _source_from(pk, fields) for pk, fields in snapshot.sources.items()}
    else:
        then = _sources_at(state.date, live)
    # Withdrawn since (unpublished, archived or deleted): no longer shown on any page.
    return {pk: source for pk, source in then.items() if pk in live and live[pk].is_published}


def _sources_at(date, live):
    """Each source's latest version saved by `date`, if published; the live one if it had no version yet."""
    then = {}
    stored = (
        Version.objects.get_for_model(Source)
        .filter(object_id__in=[str(pk) for pk in live], revision__date_created__lte=date)
        .order_by("-revision__date_created", "-pk")
    )
    for version in stored:
        pk = int(version.object_id)
        if pk not in then:
            source = version._object_version.object
            then[pk] = source if source.status == Status.PUBLISHED else None
    for pk, source in live.items():
        then.setdefault(pk, source)
    return {pk: source for pk, source in then.items() if source is not None and source.is_published}


def _texts(state):
    record = state.record
    texts = [getattr(record, name) for name in getattr(record, "markdown_fields", ())]
    texts += [row.description for model in (CaseChallenge, TimelineEvent) for row in state.rows.get(model, [])]
    return texts


# -- a version's page ----------------------------------------------------------------------------


def _with_rendered_text(obj):
    """The stored HTML of the text; rendered now for versions saved before it was stored."""
    rendered = dict(obj.rendered or {})
    for name in obj.markdown_fields:
        if name not in rendered:
            rendered[name] = render_markdown(getattr(obj, name))
    obj.rendered = rendered
    return obj


def _prefetched(obj, name, model, rows):
    """Let `obj.<name>.all()` return `rows`, as a prefetch would, so a page template reads them unchanged."""
    queryset = model._default_manager.all()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    obj._prefetched_objects_cache = getattr(obj, "_prefetched_objects_cache", {})
    obj._prefetched_objects_cache[name] = queryset


def _citations_by_object(state, sources):
    """Citation rows grouped as selectors.citations_by_object does, each with its source as it was."""
    grouped = defaultdict(list)
    for citation in sorted(state.citations, key=lambda citation: citation.pk):
        if citation.source_id in sources:
            citation.source = sources[citation.source_id]
            grouped[(citation.content_type_id, citation.object_id, citation.field)].append(citation)
    return grouped


def _ids(state, name):
    return [int(pk) for pk in state.m2m.get(name, [])]


def case_study_page(state, live):
    """What the case-study template shows, for a version."""
    case, rows = _with_rendered_text(state.record), state.rows
    case.slug = live.slug
    sources = sources_then(state)
    organizations = Organization.objects.published().in_bulk([row.organization_id for row in rows[CaseOrganization]])
    challenges = Challenge.objects.published().in_bulk([row.challenge_id for row in rows[CaseChallenge]])
    countries = Country.objects.in_bulk(_ids(state, "countries") + [row.country_id for row in rows[Contribution]])

    roles = [row for row in rows[CaseOrganization] if row.organization_id in organizations]
    for role in roles:
        role.organization = organizations[role.organization_id]
    met = [_with_rendered_text(row) for row in rows[CaseChallenge] if row.challenge_id in challenges]
    for row in met:
        row.challenge = challenges[row.challenge_id]
    # A figure or an instrument is shown only with its source, as on the live page.
    figures = [row for row in rows[StrengthFigure] if row.source_id in sources]
    instruments = [row for row in rows[LegalInstrument] if row.source_id in sources]
    for row in figures + instruments:
        row.source = sources[row.source_id]
    contributions = [row for row in rows[Contribution] if row.country_id in countries]
    for row in contributions:
        row.country = countries[row.country_id]

    hosts = sorted((countries[pk] for pk in _ids(state, "countries") if pk in countries), key=str)
    _prefetched(case, "countries", Country, hosts)
    _prefetched(case, "objectives", Objective, Objective.objects.filter(pk__in=_ids(state, "objectives")))
    _prefetched(case, "roles", CaseOrganization, sorted(roles, key=lambda row: (row.role, row.organization.name)))
    _prefetched(case, "case_challenges", CaseChallenge, sorted(met, key=lambda row: row.challenge.name))
    events = sorted(map(_with_rendered_text, rows[TimelineEvent]), key=lambda row: (row.date, row.pk))
    _prefetched(case, "timeline_events", TimelineEvent, events)
    _prefetched(case, "strength_figures", StrengthFigure, sorted(figures, key=lambda row: (row.date, row.kind)))
    _prefetched(case, "instruments", LegalInstrument, sorted(instruments, key=lambda row: (row.date, row.pk)))
    contributions.sort(key=lambda row: (-(row.peak_personnel or 0), row.country.name))
    _prefetched(case, "contributions", Contribution, contributions)

    by_key = {source.key: source for source in sources.values()}
    page = selectors.case_study_page(case, citations=_citations_by_object(state, sources), sources=by_key)
    return {"case": case, **page}


def record_page(state, live):
    """What an organisation's or a challenge's template shows, for a version."""
    record = _with_rendered_text(state.record)
    record.slug = live.slug
    sources = sources_then(state)
    if isinstance(record, Organization):
        _prefetched(record, "members", Country, Country.objects.filter(pk__in=_ids(state, "members")))
    by_key = {source.key: source for source in sources.values()}
    page = selectors.record_page(record, citations=_citations_by_object(state, sources), sources=by_key)
    return {record._meta.model_name: record, **page}


def source_page(state, live):
    source = state.record
    source.key = live.key
    return {"source": source}


def page_of(shown):
    """The context a version's page shows, by the kind of record."""
    live = shown.record
    if isinstance(live, CaseStudy):
        return case_study_page(shown.state, live)
    if isinstance(live, Source):
        return source_page(shown.state, live)
    return record_page(shown.state, live)


def version_page(record, number):
    """Everything a version's page needs: the version as published, and where the current one is."""
    shown, latest = public_version(record, number)
    context = page_of(shown)
    context.update(
        {
            "version": shown,
            "latest": latest,
            "is_current": shown.number == latest.number,
            "history_url": history_path(record),
            "live_url": record.get_absolute_url(),
        }
    )
    if isinstance(record, Source):
        context["citations"] = csl.source_citations(context["source"], number=shown.number)
        context["highwire"] = highwire.source_tags(context["source"])
    else:
        context["citations"] = csl.page_citations(record, version=shown)
        title = csl.record_title(shown.state.record)
        context["highwire"] = highwire.page_tags(record, title=title, url=shown.permanent_url, date=shown.date)
    if isinstance(record, CaseStudy):
        context["cite"] = bibliography.cite_case_study(context["case"], url=shown.permanent_url, updated=shown.date)
    return context


# -- what readers read, and what changed ---------------------------------------------------------

BLOCK_END = re.compile(r"</(p|li|h2|h3|h4|blockquote|pre|tr)>|<br\s*/?>", re.IGNORECASE)


def reader_text(html):
    """The text of a piece of a page as a reader reads it: footnote numbers, no markup."""
    text = html_lib.unescape(strip_tags(BLOCK_END.sub("\n", str(html or ""))))
    lines = (re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _lines(items):
    return "\n".join(reader_text(item) for item in items)


def reader_view(shown):
    """[(label, text)] of a version's page, in reading order: what a diff compares."""
    record, context = shown.state.record, page_of(shown)
    if isinstance(record, CaseStudy):
        return _case_study_view(context)
    if isinstance(record, Source):
        return [
            ("Title", record.title),
            ("Kind", record.get_kind_display()),
            ("Identifier", record.identifier),
            ("Authors", record.authors),
            ("Issued by", record.publisher),
            ("Date", record.date_display),
            ("Address", record.safe_url),
            ("Accessed", format_date(record.accessed, "day")),
            ("Archived copy", record.safe_archived_url),
        ]
    view = [("Name", record.name)]
    if isinstance(record, Organization):
        view += [
            ("Acronym", record.acronym),
            ("Kind", record.get_kind_display()),
            ("Founded", f"{record.founded or ''}{reader_text(context['markers'])}"),
            ("Headquarters", record.headquarters),
            ("Members", ", ".join(str(country) for country in record.members.all())),
            ("Summary", reader_text(context["summary"])),
        ]
    else:
        view += [
            ("Category", record.get_category_display()),
            ("Summary", reader_text(f"{context['summary']}{context['markers']}")),
        ]
    return [*view, ("Body", reader_text(context["body"]))]


def _case_study_view(page):
    case, facts = page["case"], page["facts"]

    def fact(value, name):
        return f"{value}{reader_text(facts[name])}"

    return [
        ("Title", case.title),
        ("Summary", reader_text(f"{page['summary']}{page['general_citations']}")),
        ("Mission", fact(case.mission_name, "mission")),
        ("Host countries", fact(", ".join(country.name for country in case.countries.all()), "countries")),
        ("Region", case.get_region_display()),
        (
            "Organisations",
            fact(
                "; ".join(f"{row.organization.name} ({row.get_role_display().lower()})" for row in case.roles.all()),
                "organizations",
            ),
        ),
        ("Mandate", fact(case.get_mandate_type_display(), "mandate_type")),
        ("Start", fact(case.start_display, "start_date")),
        ("End", fact(case.end_display, "end_date")),
        ("Outcome", fact(case.get_outcome_display(), "outcome")),
        *(
            (peak["label"], f"{peak['figure']}{reader_text(peak['marker'])}" if peak["figure"] else "")
            for peak in page["peaks"]
        ),
        ("Objectives", fact(", ".join(objective.name for objective in case.objectives.all()), "objectives")),
        ("Body", reader_text(page["body"])),
        (
            "Challenges",
            _lines(f"{row.challenge.name}: {row.description_html}{row.markers}" for row in page["challenges"]),
        ),
        (
            "Timeline",
            _lines(f"{row.date_display}: {row.title}{row.markers} {row.description_html}" for row in page["events"]),
        ),
        (
            "Strength over time",
            _lines(f"{row['figure'].date_display}: {row['figure']}{row['marker']}" for row in page["strength"]),
        ),
        (
            "Legal instruments",
            _lines(
                f"{instrument.get_role_display()} {instrument.source.identifier or instrument.source.title}, "
                f"{instrument.date:%d %B %Y}{marker}"
                for instrument, marker in ((row["instrument"], row["marker"]) for row in page["instruments"])
            ),
        ),
        (
            "Contributors",
            _lines(
                f"{row.country.name}, {row.get_role_display().lower()}: {row.peak_personnel or '–'} "
                f"{row.note}{row.markers}"
                for row in page["contributions"]
            ),
        ),
        ("Lessons", reader_text(page["lessons"])),
    ]


# Values shorter than this show before and after side by side; longer ones as a word diff.
SHORT_VALUE = 120


def changes_between(old, new):
    """What changed between two public versions, as readers see their pages (rows for changes_table.html)."""
    before = dict(old.reader_view)
    changes = []
    for label, after in new.reader_view:
        previous = before.get(label, "")
        if previous == after:
            continue
        short = max(len(previous), len(after)) < SHORT_VALUE and "\n" not in previous + after
        if short:
            changes.append({"label": label, "text": False, "old": previous or "—", "new": after or "—"})
        else:
            changes.append({"label": label, "text": True, "diff": word_diff(previous, after)})
    return changes


def public_history(record):
    """Public versions, newest first, each with what changed from the one before it."""
    listed = public_versions(record)
    entries = []
    for index, shown in enumerate(listed):
        previous = listed[index - 1] if index else None
        entries.append({"version": shown, "changes": changes_between(previous, shown) if previous else None})
    return entries[::-1]


def comparison(record, old_number, new_number):
    """(old, new, changes) between two public versions by number, or a message saying what is wrong."""
    listed = public_versions(record)
    try:
        old, new = int(old_number), int(new_number)
    except (TypeError, ValueError):
        return None, "Choose two versions to compare, by number."
    if not (1 <= old <= len(listed) and 1 <= new <= len(listed)):
        return None, f"There are versions 1 to {len(listed)} only; choose two of them."
    if old == new:
        return None, "Choose two different versions to compare."
    old_version, new_version = listed[min(old, new) - 1], listed[max(old, new) - 1]
    return {"old": old_version, "new": new_version, "changes": changes_between(old_version, new_version)}, ""
