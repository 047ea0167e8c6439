"""
Loads the casebook's content from the YAML files in `cases/content/` (format: its README.md).

Loading is idempotent: a record is written only when the files say something different from
the database, so a second run changes nothing and adds no history. Everything happens in one
transaction: a file with an error loads nothing at all.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import reversion
import yaml
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from cases import derived, un_data, wiki_links
from cases.cache import bump_content_version
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
    Status,
    StrengthFigure,
    TimelineEvent,
)

CONTENT_DIR = Path(__file__).resolve().parent / "content"
# Published datasets and their provenance files (cases/un_data.py), loaded after the records.
DATA_DIR = Path("data") / "un-psdata"
SECTIONS = ("countries", "objectives", "sources", "organizations", "challenges", "case_study")
NATURAL_KEYS = {
    "countries": "code",
    "objectives": "slug",
    "sources": "key",
    "organizations": "slug",
    "challenges": "slug",
    "case_study": "slug",
}


class ContentError(Exception):
    """A problem in the content files, described for the person who edits them."""


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    datasets: list = field(default_factory=list)

    @property
    def changed(self):
        records = sum(self.created.values()) + sum(self.updated.values())
        return records + sum(report.changed for report in self.datasets)

    def record(self, label, action):
        getattr(self, action)[label] += 1

    def lines(self):
        labels = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        for label in labels:
            yield (
                f"{label}: {self.created[label]} created, {self.updated[label]} updated, "
                f"{self.unchanged[label]} unchanged"
            )
        for report in self.datasets:
            yield from report.lines()


# libyaml's safe loader where PyYAML was built with it (its wheels are): the same documents,
# parsed ten times as fast, which is most of a load's time outside the database.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_documents(directory=CONTENT_DIR):
    """All records of all files, by section, with identical duplicates merged."""
    records = defaultdict(dict)
    origins = {}
    files = sorted(path for path in Path(directory).rglob("*.yaml") if not _is_data(path, directory))
    if not files:
        raise ContentError(f"No content files (*.yaml) found in {directory}.")
    for path in files:
        try:
            document = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
        except yaml.YAMLError as error:
            raise ContentError(f"{path.name}: not valid YAML: {error}") from None
        if not isinstance(document, dict):
            raise ContentError(f"{path.name}: expected a mapping with keys such as 'sources'.")
        unknown = set(document) - set(SECTIONS)
        if unknown:
            raise ContentError(f"{path.name}: unknown top-level keys {sorted(unknown)}; expected {list(SECTIONS)}.")
        for section, items in document.items():
            items = [items] if section == "case_study" else items
            for item in items or []:
                natural_key = NATURAL_KEYS[section]
                if not isinstance(item, dict) or natural_key not in item:
                    raise ContentError(f"{path.name}: every entry under '{section}' needs a '{natural_key}'.")
                key = str(item[natural_key])
                if key in records[section] and records[section][key] != item:
                    raise ContentError(
                        f"{path.name}: {section} '{key}' is also defined, differently, in {origins[section, key]}."
                    )
                records[section][key] = item
                origins[section, key] = path.name
    return records, origins


def _is_data(path, directory):
    return path.relative_to(directory).parts[: len(DATA_DIR.parts)] == DATA_DIR.parts


def load_content(directory=CONTENT_DIR, *, dry_run=False):
    records, origins = read_documents(directory)
    loader = _Loader(records, origins)
    with transaction.atomic():
        loader.run()
        # The datasets link their rows to the case studies just loaded.
        try:
            for data_file, dataset in un_data.shipped_files(Path(directory) / DATA_DIR):
                loader.report.datasets.append(un_data.import_un_data(data_file, dataset))
        except un_data.UNDataError as error:
            raise ContentError(str(error)) from None
        if loader.report.changed:
            # Bulk-created rows send no signals: make sure no cached page outlives this load.
            bump_content_version()
        if dry_run:
            transaction.set_rollback(True)
    if loader.report.changed and not dry_run:
        refresh_planner_statistics()
    return loader.report


def refresh_planner_statistics():
    """After a load, let the query planner see the new row counts (SQLite has no autovacuum)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def keep_version(obj):
    """One revision per record, so restoring it never touches another record."""
    with reversion.create_revision():
        reversion.set_comment("Loaded from the content files")
        reversion.add_to_revision(obj)


def parse_cite(entry):
    key, _, locator = str(entry).partition("|")
    return key.strip(), locator.strip()


def _date(value, where):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ContentError(f"{where}: '{value}' is not a date (use YYYY-MM-DD).") from None


class _Loader:
    def __init__(self, records, origins):
        self.records = records
        self.origins = origins
        self.report = LoadReport()
        self.countries = {}
        self.objectives = {}
        self.sources = {}
        self.organizations = {}
        self.challenges = {}

    def run(self):
        # A text may link to a page defined further on in the files: accept those links while
        # loading; the gate below, once everything is loaded, checks that each exists.
        defined = [
            (kind, slug)
            for kind, section in (("case", "case_study"), ("org", "organizations"), ("challenge", "challenges"))
            for slug in self.records[section]
        ]
        with wiki_links.expecting(defined):
            self.load_all()

    def load_all(self):
        for code, item in self.records["countries"].items():
            self.countries[code] = self.sync(
                Country, {"code": code}, {"name": item["name"], "region": item["region"]}, "countries"
            )
        for slug, item in self.records["objectives"].items():
            self.objectives[slug] = self.sync(Objective, {"slug": slug}, {"name": item["name"]}, "objectives")
        for key, item in self.records["sources"].items():
            self.sources[key] = self.load_source(key, item)
        for slug, item in self.records["organizations"].items():
            self.organizations[slug] = self.load_organization(slug, item)
        for slug, item in self.records["challenges"].items():
            self.challenges[slug] = self.load_challenge(slug, item)
        case_studies = {slug: self.load_case_study(slug, item) for slug, item in self.records["case_study"].items()}
        # Links between case studies, once every one of them exists.
        for slug, item in self.records["case_study"].items():
            case = case_studies[slug]
            self.link_predecessors(case, item, case_studies)
            if case._load_action != "unchanged":
                keep_version(case)
        # The files publish records directly: they pass the same citation gate as a reviewer's publishing.
        changed = [
            (section, record)
            for section, records in (
                ("organizations", self.organizations),
                ("challenges", self.challenges),
                ("case_study", case_studies),
            )
            for record in records.values()
            if record._load_action != "unchanged" and record.is_published
        ]
        # Links saved before the page they point at existed are written again, now that it does.
        for model, records in (
            (Organization, self.organizations),
            (Challenge, self.challenges),
            (CaseStudy, case_studies),
        ):
            changed_ids = [record.pk for record in records.values() if record._load_action != "unchanged"]
            if changed_ids:
                derived.write_page_links(model, derived.texts_of(model, changed_ids))
        for section, record in changed:
            problems = record.publication_problems()
            if problems:
                where = self.where(section, getattr(record, "slug", record.pk))
                raise ContentError(f"{where}: cannot be published: " + " ".join(p.message for p in problems))

    # -- generic helpers -------------------------------------------------------------------

    def where(self, section, key):
        return f"{self.origins.get((section, key), section)} ({key})"

    def sync(self, model, lookup, values, label, m2m=None, revision=False):
        """Create or update one record; write only what differs. Returns the record."""
        obj = model.objects.filter(**lookup).first()
        action = "unchanged"
        if obj is None:
            obj = model(**lookup, **values)
            action = "created"
        else:
            for name, value in values.items():
                if getattr(obj, name) != value:
                    setattr(obj, name, value)
                    action = "updated"
        if action != "unchanged":
            self.validate(obj, label, lookup)
            obj.save()
        for name, wanted in (m2m or {}).items():
            manager = getattr(obj, name)
            if set(manager.values_list("pk", flat=True)) != {item.pk for item in wanted}:
                manager.set(wanted)
                action = "updated" if action == "unchanged" else action
        if action != "unchanged" and revision:
            keep_version(obj)
        self.report.record(label, action)
        obj._load_action = action
        return obj

    def validate(self, obj, label, lookup):
        try:
            obj.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            messages = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in error.message_dict.items())
            raise ContentError(f"{label} {list(lookup.values())[0]}: {messages}") from None

    def lookup(self, table, key, kind, where):
        try:
            return table[key]
        except KeyError:
            raise ContentError(f"{where}: unknown {kind} '{key}'.") from None

    def source(self, entry, where):
        key, locator = parse_cite(entry)
        return self.lookup(self.sources, key, "source key", where), locator

    def sync_citations(self, obj, wanted, where):
        """Make the object's Citation rows exactly `wanted`: (field, source, locator) tuples."""
        content_type = ContentType.objects.get_for_model(obj)
        existing = Citation.objects.filter(content_type=content_type, object_id=obj.pk)
        have = sorted((c.field, c.source_id, c.locator) for c in existing)
        rows = []
        for fact, entry in wanted:
            source, locator = self.source(entry, where)
            rows.append((fact, source.pk, locator))
        rows = sorted(set(rows))
        if have == rows:
            return False
        existing.delete()
        Citation.objects.bulk_create(
            Citation(content_type=content_type, object_id=obj.pk, field=fact, source_id=source_id, locator=locator)
            for fact, source_id, locator in rows
        )
        return True

    def status(self, item):
        return item.get("status", Status.PUBLISHED)

    # -- records ---------------------------------------------------------------------------

    def load_source(self, key, item):
        where = self.where("sources", key)
        values = {
            "kind": item.get("kind", ""),
            "title": item.get("title", ""),
            "authors": item.get("authors") or "",
            "publisher": item.get("publisher") or "",
            "date": _date(item.get("date"), where),
            "date_precision": item.get("date_precision", "day"),
            "identifier": item.get("identifier") or "",
            "url": item.get("url") or "",
            "accessed": _date(item.get("accessed"), where),
            "archived_url": item.get("archived_url") or "",
            "status": self.status(item),
        }
        return self.sync(Source, {"key": key}, values, "sources", revision=True)

    def load_organization(self, slug, item):
        where = self.where("organizations", slug)
        values = {
            "name": item["name"],
            "acronym": item.get("acronym", ""),
            "kind": item.get("kind", ""),
            "founded": item.get("founded"),
            "headquarters": item.get("headquarters") or "",
            "colour": item.get("colour") or "",
            "summary": item.get("summary", "").strip(),
            "body": (item.get("body") or "").strip(),
            "status": self.status(item),
        }
        members = [self.lookup(self.countries, code, "country code", where) for code in item.get("members") or []]
        organization = self.sync(Organization, {"slug": slug}, values, "organizations", m2m={"members": members})
        self.finish_record(organization, [("", entry) for entry in item.get("cite") or []], where)
        return organization

    def load_challenge(self, slug, item):
        where = self.where("challenges", slug)
        values = {
            "name": item["name"],
            "category": item.get("category", ""),
            "synonyms": "\n".join(item.get("synonyms") or []),
            "summary": item.get("summary", "").strip(),
            "body": (item.get("body") or "").strip(),
            "status": self.status(item),
        }
        challenge = self.sync(Challenge, {"slug": slug}, values, "challenges")
        self.finish_record(challenge, [("", entry) for entry in item.get("cite") or []], where)
        return challenge

    def finish_record(self, obj, citations, where):
        """Sync a record's citations; keep a version when anything about it changed."""
        if self.sync_citations(obj, citations, where) and obj._load_action == "unchanged":
            self.report.unchanged[obj._meta.verbose_name_plural] -= 1
            self.report.updated[obj._meta.verbose_name_plural] += 1
            obj._load_action = "updated"
        if obj._load_action != "unchanged":
            keep_version(obj)

    def load_case_study(self, slug, item):
        where = self.where("case_study", slug)
        values = {
            "title": item["title"],
            "mission_name": item.get("mission_name", ""),
            "acronym": item.get("acronym") or "",
            "region": item.get("region", ""),
            "mandate_type": item.get("mandate_type", ""),
            "start_date": _date(item.get("start_date"), where),
            "start_precision": item.get("start_precision", "day"),
            "end_date": _date(item.get("end_date"), where),
            "end_precision": item.get("end_precision", "day"),
            "outcome": item.get("outcome", ""),
            "summary": item.get("summary", "").strip(),
            "body": (item.get("body") or "").strip(),
            "lessons": (item.get("lessons") or "").strip(),
            "depth": item.get("depth", CaseStudy.Depth.FULL),
            "official_names": "\n".join(item.get("official_names") or []),
            "featured": bool(item.get("featured", False)),
            "unverified_facts": list(item.get("unverified") or []),
            "status": self.status(item),
        }
        m2m = {
            "countries": [self.lookup(self.countries, c, "country code", where) for c in item.get("countries") or []],
            "objectives": [self.lookup(self.objectives, o, "objective", where) for o in item.get("objectives") or []],
        }
        unknown_facts = set(item.get("fact_citations") or {}) - set(CaseStudy.CITABLE_FACTS)
        if unknown_facts:
            raise ContentError(f"{where}: fact_citations has unknown facts {sorted(unknown_facts)}.")
        case = self.sync(CaseStudy, {"slug": slug}, values, "case studies", m2m=m2m)
        changed = self.sync_citations(
            case,
            [(fact, entry) for fact, entries in (item.get("fact_citations") or {}).items() for entry in entries],
            where,
        )
        changed |= self.sync_children(case, item, where)
        if changed and case._load_action == "unchanged":
            self.report.unchanged["case studies"] -= 1
            self.report.updated["case studies"] += 1
            case._load_action = "updated"
        return case

    def link_predecessors(self, case, item, case_studies):
        where = self.where("case_study", case.slug)
        wanted = {self.lookup(case_studies, slug, "case study", where).pk for slug in item.get("predecessors") or []}
        if set(case.predecessors.values_list("pk", flat=True)) == wanted:
            return
        case.predecessors.set(wanted)
        if case._load_action == "unchanged":
            self.report.unchanged["case studies"] -= 1
            self.report.updated["case studies"] += 1
            case._load_action = "updated"

    def sync_children(self, case, item, where):
        """Replace a case's inline rows when, and only when, the files describe different ones."""
        changed = False
        roles = sorted(
            (self.lookup(self.organizations, r["org"], "organisation", where).pk, r.get("role", "lead"))
            for r in item.get("organizations") or []
        )
        if sorted(case.roles.values_list("organization_id", "role")) != roles:
            case.roles.all().delete()
            for organization_id, role in roles:
                self.create(CaseOrganization(case_study=case, organization_id=organization_id, role=role), where)
            changed = True

        def rows_differ(manager, wanted, fields):
            have = [tuple(row) for row in manager.order_by("pk").values_list(*fields)]
            return have != [tuple(row) for row in wanted]

        strength = [
            (
                _date(s["date"], where),
                s.get("date_precision", "day"),
                s["kind"],
                s.get("personnel", "military"),
                s["number"],
                bool(s.get("approximate", False)),
                *self._source_pk(s["source"], where),
            )
            for s in item.get("strength") or []
        ]
        fields = ["date", "date_precision", "kind", "personnel", "number", "approximate", "source_id", "locator"]
        if rows_differ(case.strength_figures, strength, fields):
            case.strength_figures.all().delete()
            for row in strength:
                self.create(StrengthFigure(case_study=case, **dict(zip(fields, row, strict=True))), where)
            changed = True

        instruments = [
            (self._source_pk(i["source"], where)[0], i["role"], _date(i["date"], where), i.get("note") or "")
            for i in item.get("instruments") or []
        ]
        fields = ["source_id", "role", "date", "note"]
        if rows_differ(case.instruments, instruments, fields):
            case.instruments.all().delete()
            for row in instruments:
                self.create(LegalInstrument(case_study=case, **dict(zip(fields, row, strict=True))), where)
            changed = True

        changed |= self.sync_cited_children(
            case.timeline_events,
            [
                {
                    "date": _date(e["date"], where),
                    "precision": e.get("precision", "day"),
                    "title": e["title"],
                    "description": (e.get("description") or "").strip(),
                    "_cite": e.get("cite") or [],
                }
                for e in item.get("timeline") or []
            ],
            lambda values: TimelineEvent(case_study=case, **values),
            where,
        )
        changed |= self.sync_cited_children(
            case.contributions,
            [
                {
                    "country": self.lookup(self.countries, c["country"], "country code", where),
                    "role": c.get("role", "troops"),
                    "peak_personnel": c.get("peak_personnel"),
                    "approximate": bool(c.get("approximate", False)),
                    "note": c.get("note") or "",
                    "_cite": c.get("cite") or [],
                }
                for c in item.get("contributions") or []
            ],
            lambda values: Contribution(case_study=case, **values),
            where,
        )
        changed |= self.sync_cited_children(
            case.case_challenges,
            [
                {
                    "challenge": self.lookup(self.challenges, c["challenge"], "challenge", where),
                    "description": (c.get("description") or "").strip(),
                    "_cite": c.get("cite") or [],
                }
                for c in item.get("challenges") or []
            ],
            lambda values: CaseChallenge(case_study=case, **values),
            where,
        )
        return changed

    def _source_pk(self, entry, where):
        source, locator = self.source(entry, where)
        return source.pk, locator

    def sync_cited_children(self, manager, wanted, build, where):
        def signature(values, cites):
            plain = tuple((k, getattr(v, "pk", v)) for k, v in sorted(values.items()))
            return plain, tuple(sorted(self._source_pk(entry, where) for entry in cites))

        wanted_signatures = [signature({k: v for k, v in w.items() if k != "_cite"}, w["_cite"]) for w in wanted]
        existing = list(manager.order_by("pk"))
        content_type = None
        have = []
        for obj in existing:
            content_type = content_type or ContentType.objects.get_for_model(obj)
            values = {k: getattr(obj, k) for k in wanted[0] if k != "_cite"} if wanted else {}
            cites = Citation.objects.filter(content_type=content_type, object_id=obj.pk).values_list(
                "source__key", "locator"
            )
            plain = tuple((k, getattr(v, "pk", v)) for k, v in sorted(values.items()))
            have.append((plain, tuple(sorted(self._source_pk(f"{key}|{loc}", where) for key, loc in cites))))
        if have == wanted_signatures:
            return False
        for obj in existing:
            Citation.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk).delete()
        manager.all().delete()
        for values in wanted:
            obj = self.create(build({k: v for k, v in values.items() if k != "_cite"}), where)
            self.sync_citations(obj, [("", entry) for entry in values["_cite"]], where)
        return True

    def create(self, obj, where):
        try:
            obj.full_clean(exclude=["case_study"], validate_constraints=False)
        except ValidationError as error:
            messages = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in error.message_dict.items())
            raise ContentError(f"{where}: {obj._meta.verbose_name} '{obj}': {messages}") from None
        obj.save()
        return obj
