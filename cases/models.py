"""
The casebook's domain: case studies of peace operations, the organisations behind them, the
challenges they met, and the sources that support every fact.

Publication is one rule, kept in one place: `PublishableQuerySet.published()`. Every public
view, feed, sitemap, search and export starts from it.
"""

import datetime
from dataclasses import dataclass

import reversion
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Length
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.urls import reverse
from django.utils import timezone

from cases import wiki_links
from cases.addresses import record_address
from cases.citations import cited_keys, parse_citations

CITATION_HELP = (
    "Markdown. Cite a source inline with [[cite:SOURCE-KEY]] or, with a page or paragraph, "
    "[[cite:SOURCE-KEY|p. 4]]. Link to another page with [[case:SLUG]], [[org:SLUG]] or "
    "[[challenge:SLUG]] (shown with its title), or [[case:SLUG|your words]]. Each ## heading starts "
    "a section; every section should cite at least one source. Raw HTML is removed when the page is shown."
)

# Text sizes: generous for what they hold, and small enough that no text is costly to show.
SUMMARY_LENGTH = 5_000
DESCRIPTION_LENGTH = 10_000
BODY_LENGTH = 100_000


def validate_citations(text):
    """Every citation in the text is well formed and names a source that exists."""
    keys = [ref.key for ref in parse_citations(text)]
    if not keys:
        return
    unknown = sorted(set(keys) - set(Source.objects.filter(key__in=keys).values_list("key", flat=True)))
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        raise ValidationError(
            f"Unknown source key{plural}: {', '.join(unknown)}. "
            "Add the source under Sources first, or check the spelling.",
            code="unknown_source",
        )


def validate_links(text):
    """Every link to another page is well formed and names a page that exists (published or not)."""
    links = wiki_links.parse_links(text)
    if not links:
        return
    found = existing_link_targets({link.target for link in links}) | wiki_links.expected_targets()
    unknown = list(dict.fromkeys(link for link in links if link.target not in found))
    if unknown:
        raise ValidationError(
            [
                f"The link {link.markup} points at no {link.kind_name} of the casebook: check the slug "
                f"(the last part of the page's address), or create the {link.kind_name} first."
                for link in unknown[:10]
            ],
            code="unknown_link_target",
        )


def existing_link_targets(targets):
    """Which of some (kind, slug) pairs name a page that exists, whatever its status: one query per kind."""
    found = set()
    for kind, model in linkable_models().items():
        slugs = {slug for target_kind, slug in targets if target_kind == kind}
        if slugs:
            found |= {(kind, slug) for slug in model.objects.filter(slug__in=slugs).values_list("slug", flat=True)}
    return found


def linkable_models():
    """The model each kind of link points at (cases/wiki_links.py)."""
    return {"case": CaseStudy, "org": Organization, "challenge": Challenge}


def cited_text(verbose_name=None, *, max_length, blank=False):
    """A Markdown field that may cite sources and link to pages: length capped, citations and links checked on save."""
    return models.TextField(
        verbose_name,
        blank=blank,
        help_text=CITATION_HELP,
        validators=[MaxLengthValidator(max_length), validate_citations, validate_links],
    )


def rendered_text():
    """The stored HTML of a record's Markdown fields, written on every save (cases/derived.py)."""
    return models.JSONField(default=dict, editable=False)


source_key_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    "Use lower-case letters, digits and single hyphens, e.g. unsc-res-1270-1999.",
)


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class Region(models.TextChoices):
    AFRICA = "africa", "Africa"
    AMERICAS = "americas", "Americas"
    ASIA = "asia", "Asia"
    EUROPE = "europe", "Europe"
    MIDDLE_EAST = "middle-east", "Middle East"
    OCEANIA = "oceania", "Oceania"


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class DocumentKind(models.TextChoices):
    CASE_STUDY = "case_study", "Case studies"
    ORGANIZATION = "organization", "Organisations"
    CHALLENGE = "challenge", "Challenges"
    SOURCE = "source", "Sources"


class SourceKind(models.TextChoices):
    UN_DOCUMENT = "un_document", "UN document"
    PRESS_RELEASE = "press_release", "Press release"
    TREATY = "treaty", "Treaty or agreement"
    REPORT = "report", "Official report"
    BOOK = "book", "Book"
    JOURNAL_ARTICLE = "journal_article", "Journal article"
    NEWS = "news", "News"
    WEB_PAGE = "web_page", "Web page"
    DATASET = "dataset", "Dataset"


class OrganizationKind(models.TextChoices):
    GLOBAL = "global", "Global body"
    ALLIANCE = "alliance", "Military alliance"
    REGIONAL = "regional", "Regional organisation"
    COALITION = "coalition", "Coalition"


class ChallengeCategory(models.TextChoices):
    POLITICAL = "political", "Political"
    OPERATIONAL = "operational", "Operational"
    RESOURCES = "resources", "Resources"
    LEGAL = "legal", "Legal"
    SECURITY = "security", "Security"
    ENVIRONMENTAL = "environmental", "Environmental"
    SOCIAL = "social", "Social"


class MandateType(models.TextChoices):
    OBSERVER = "observer", "Observer"
    TRADITIONAL = "traditional", "Traditional peacekeeping"
    MULTIDIMENSIONAL = "multidimensional", "Multidimensional"
    ENFORCEMENT = "enforcement", "Enforcement / stabilisation"


class Outcome(models.TextChoices):
    COMPLETED = "completed", "Mandate completed"
    TRANSITIONED = "transitioned", "Transitioned to a successor"
    WITHDRAWN = "withdrawn", "Withdrawn or terminated"
    ONGOING = "ongoing", "Ongoing"


class Depth(models.TextChoices):
    FULL = "full", "Full case study"
    SUMMARY = "summary", "Summary"
    FACTS = "facts", "Facts only"


class OrganizationRole(models.TextChoices):
    LEAD = "lead", "Lead"
    PARTNER = "partner", "Partner"
    AUTHORISING = "authorising", "Authorising"
    FUNDING = "funding", "Funding"


class StrengthKind(models.TextChoices):
    AUTHORISED = "authorised", "Authorised"
    DEPLOYED = "deployed", "Deployed"


class Personnel(models.TextChoices):
    TROOPS = "troops", "Troops"
    MILITARY = "military", "Military personnel"
    OBSERVERS = "observers", "Military observers"
    POLICE = "police", "Police"
    CIVILIANS = "civilians", "Civilians"
    UNIFORMED = "uniformed", "Uniformed personnel"
    TOTAL = "total", "All personnel"


class InstrumentRole(models.TextChoices):
    ESTABLISHING = "establishing", "Established by"
    ENDORSING = "endorsing", "Endorsed by"
    EXTENDING = "extending", "Extended by"
    EXPANDING = "expanding", "Expanded by"
    AMENDING = "amending", "Amended by"
    ENDING = "ending", "Ended by"
    SUCCEEDING = "succeeding", "Successor established by"


class ContributionRole(models.TextChoices):
    TROOPS = "troops", "Troops"
    POLICE = "police", "Police"
    OBSERVERS = "observers", "Military observers"
    FUNDING = "funding", "Funding"
    LOGISTICS = "logistics", "Logistics"


def format_date(value, precision):
    """A date as exactly as it is known: '22 October 1999', 'March 2007' or '2002'."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return value.strftime("%B %Y")
    return f"{value.day} {value:%B %Y}"


def format_duration(start, end, precision=DatePrecision.DAY):
    """
    The time between two dates in whole years and months ('6 years 2 months'), or in years only,
    'about', when either date is known only to the year.
    """
    if precision == DatePrecision.YEAR:
        years = end.year - start.year
        return "under a year" if years < 1 else f"about {years} year{'s' if years != 1 else ''}"
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    if months < 1:
        return "under a month"
    years, months = divmod(months, 12)
    parts = [f"{years} year{'s' if years != 1 else ''}"] if years else []
    parts += [f"{months} month{'s' if months != 1 else ''}"] if months else []
    return " ".join(parts)


def choice_constraint(model_name, field, choices, name=None):
    """The database refuses a value outside the field's choices, read from the choices themselves."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": choices.values}), name=name or f"{model_name}_{field}_valid"
    )


def status_constraint(name):
    return choice_constraint("", "status", Status, name=name)


def published(relation=""):
    """
    The one definition of "readers may see it": the record, or the one reached through
    `relation` ("source", "case_study", ...), is published. Every public query uses it, through
    this function or `PublishableQuerySet.published()`; raw SQL uses `published_sql()`.
    """
    return Q(**{f"{relation}__status" if relation else "status": Status.PUBLISHED})


# The same rule in raw SQL, for a table aliased `alias`.
def published_sql(alias):
    return f"{alias}.status = '{Status.PUBLISHED.value}'"


class PublishableQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published())

    def visible_to(self, user):
        """Staff may preview any record at its public URL; everyone else sees published ones."""
        if user.is_active and user.is_staff:
            return self
        return self.published()


@dataclass(frozen=True)
class Problem:
    """Something that keeps a record from readers, and the address where it is fixed."""

    message: str
    url: str = ""


class TransitionNotAllowed(Exception):
    """A status change the workflow or the user's role does not allow; the message says why."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = list(problems)


class Publishable(models.Model):
    """
    A record readers see only once a reviewer has published it.

    Status moves draft -> in review -> published -> archived, and back to draft. Editors submit
    and withdraw; only reviewers (the `publish_*` permission) publish, unpublish and archive.
    """

    # (from, to): (verb, needs the publish permission). Submitting and publishing also pass the
    # citation gate (cases/editorial.py): a record that cites what readers cannot check stays back.
    TRANSITIONS = {
        (Status.DRAFT, Status.REVIEW): ("submit for review", False),
        (Status.REVIEW, Status.DRAFT): ("return to draft", False),
        (Status.REVIEW, Status.PUBLISHED): ("publish", True),
        (Status.PUBLISHED, Status.DRAFT): ("unpublish", True),
        (Status.PUBLISHED, Status.ARCHIVED): ("archive", True),
        (Status.ARCHIVED, Status.DRAFT): ("reopen as draft", True),
    }

    status = models.CharField(
        max_length=10,
        choices=Status,
        default=Status.DRAFT,
        db_index=True,
        editable=False,
        help_text="Only published records are shown to readers.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False, help_text="Set on first publication.")
    reviewed_at = models.DateTimeField(
        null=True, blank=True, editable=False, db_index=True, help_text="When a reviewer last published it."
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    # Bumped on every save; an edit made from an older copy is refused instead of overwriting.
    edit_revision = models.PositiveIntegerField(default=1, editable=False)

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
            self.reviewed_at = self.reviewed_at or self.published_at
        if self.pk is not None and not kwargs.get("force_insert"):
            self.edit_revision += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "edit_revision"}
        super().save(*args, **kwargs)

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED

    # -- the citation gate: what keeps a record from readers --------------------------------

    def rows_with_citations(self):
        """The record and the inline rows of it that carry Markdown or Citation rows."""
        return [self]

    def cited_source_ids(self):
        """Ids of the sources cited other than in text and Citation rows (figures, instruments)."""
        return set()

    def cited_sources(self):
        """{key: Source, or None for a key no source has} of every source the record cites."""
        rows = self.rows_with_citations()
        keys = cited_keys(*self.texts())
        citing = Q()
        for row in rows:
            citing |= Q(content_type=ContentType.objects.get_for_model(row), object_id=row.pk)
        ids = set(Citation.objects.filter(citing).values_list("source_id", flat=True)) | self.cited_source_ids()
        sources = {source.key: source for source in Source.objects.filter(Q(key__in=keys) | Q(pk__in=ids))}
        return {key: sources.get(key) for key in [*keys, *sorted(set(sources) - set(keys))]}

    def texts(self):
        """Every Markdown text the record's page shows: its own and its inline rows'."""
        return [
            getattr(row, name) for row in self.rows_with_citations() for name in getattr(row, "markdown_fields", ())
        ]

    def linked_pages(self):
        """{(kind, slug): the record, or None for a page that does not exist} of every page its text links to."""
        targets = wiki_links.linked_targets(*self.texts())
        records = {}
        for kind, model in linkable_models().items():
            slugs = [slug for target_kind, slug in targets if target_kind == kind]
            if slugs:
                records |= {(kind, record.slug): record for record in model.objects.filter(slug__in=slugs)}
        return {target: records.get(target) for target in targets}

    def publication_problems(self):
        """Why the record may not be submitted or published yet: each problem with where to fix it."""
        problems = []
        # A link to a page readers cannot see would lead them nowhere.
        for (kind, slug), page in self.linked_pages().items():
            if page is None:
                problems.append(
                    Problem(f"It links to [[{kind}:{slug}]], which is no page of the casebook.", self.get_admin_url())
                )
            elif not page.is_published and page != self:
                problems.append(
                    Problem(
                        f"It links to the {page._meta.verbose_name} “{page}”, which is "
                        f"{page.get_status_display().lower()}.",
                        page.get_admin_url(),
                    )
                )
        for key, source in self.cited_sources().items():
            if source is None:
                problems.append(Problem(f"It cites “{key}”, which is no source of the casebook.", self.get_admin_url()))
            elif not source.is_published:
                problems.append(
                    Problem(
                        f"It cites the source “{source.title}”, which is {source.get_status_display().lower()}.",
                        source.get_admin_url(),
                    )
                )
        return problems

    def get_admin_url(self):
        return reverse(f"admin:{self._meta.app_label}_{self._meta.model_name}_change", args=[self.pk])

    def get_review_url(self):
        """Where a reviewer reads a record waiting for review and decides (cases/admin.py)."""
        return reverse(f"admin:{self._meta.app_label}_{self._meta.model_name}_review", args=[self.pk])

    @classmethod
    def publish_permission(cls):
        return f"{cls._meta.app_label}.publish_{cls._meta.model_name}"

    def allowed_transitions(self, user):
        """The statuses this user may move the record to, with the verb for each."""
        return [
            (to, verb)
            for (source, to), (verb, needs_publish) in self.TRANSITIONS.items()
            if source == self.status and self._may(user, needs_publish)
        ]

    def _may(self, user, needs_publish):
        change = f"{self._meta.app_label}.change_{self._meta.model_name}"
        return user.has_perm(change) and (not needs_publish or user.has_perm(self.publish_permission()))

    def transition_to(self, status, *, user):
        """Move to `status` if the workflow and the user's role allow it, and record who and when."""
        rule = self.TRANSITIONS.get((self.status, status))
        if rule is None:
            raise TransitionNotAllowed(
                f"A record that is {self.get_status_display().lower()} cannot become "
                f"{Status(status).label.lower()} directly."
            )
        verb, needs_publish = rule
        if not self._may(user, needs_publish):
            raise TransitionNotAllowed(f"Only reviewers may {verb} {self._meta.verbose_name_plural}.")
        if status in (Status.REVIEW, Status.PUBLISHED):
            problems = self.publication_problems()
            if problems:
                raise TransitionNotAllowed(
                    f"“{self}” cannot be {'published' if status == Status.PUBLISHED else 'submitted'} yet: "
                    + " ".join(problem.message for problem in problems),
                    problems,
                )
        now = timezone.now()
        self.status = status
        self.status_changed_at = now
        self.status_changed_by = user if user.is_authenticated else None
        if status == Status.PUBLISHED:
            self.reviewed_at = now
        self.save()
        return verb


class ContentVersion(models.Model):
    """
    One counter that every change to the casebook's content moves on. Cached public pages are
    keyed by it, so after any change no cached page can be served again (see cases/cache.py).
    It lives in the database so that every app server and worker sees the same value.
    """

    version = models.PositiveBigIntegerField(default=1)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="contentversion_single_row")]

    def __str__(self):
        return f"content version {self.version}"


class SearchDocument(models.Model):
    """
    The searchable text of one published record. Kept in sync on every save (drafts have no
    document, so search never shows them). SQLite searches it through an FTS5 table, PostgreSQL
    through `vector` and a GIN index; both are created by migration 0004.
    """

    Kind = DocumentKind

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=12, choices=Kind, db_index=True)
    title = models.CharField(max_length=300)
    body = models.TextField(help_text="Plain text shown in snippets.")
    # Case- and accent-folded copies: what is actually matched.
    folded_title = models.TextField()
    folded_body = models.TextField()
    url = models.CharField(max_length=300)
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="searchdocument_unique_record")
        ]

    def __str__(self):
        return self.title


class Country(models.Model):
    code = models.CharField(
        "ISO code",
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", "Two upper-case letters (ISO 3166-1 alpha-2).")],
    )
    name = models.CharField(max_length=100, unique=True)
    region = models.CharField(max_length=12, choices=Region, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(condition=Q(region__in=Region.values), name="country_region_valid"),
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z]{2}$"), name="country_code_iso"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_address("cases:country_detail", self.code)


class Objective(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Source(Publishable):
    Kind = SourceKind

    # A source is a reference, not a text to review: a reviewer may publish a draft one directly.
    TRANSITIONS = {**Publishable.TRANSITIONS, (Status.DRAFT, Status.PUBLISHED): ("publish", True)}

    key = models.CharField(
        max_length=80,
        unique=True,
        validators=[source_key_validator],
        help_text="Stable key used in citations, e.g. unsc-res-1270-1999. Never change it once cited.",
    )
    kind = models.CharField(max_length=20, choices=Kind, db_index=True)
    title = models.CharField(max_length=300)
    authors = models.CharField(max_length=300, blank=True)
    publisher = models.CharField("publisher or issuing body", max_length=200, blank=True)
    date = models.DateField(null=True, blank=True)
    date_precision = models.CharField(max_length=5, choices=DatePrecision, default=DatePrecision.DAY)
    identifier = models.CharField(
        max_length=100, blank=True, help_text="UN symbol, DOI or ISBN, e.g. S/RES/1270 (1999)."
    )
    url = models.URLField("URL", max_length=500, blank=True)
    accessed = models.DateField(
        null=True, blank=True, help_text="When someone last opened the URL and found the document there."
    )
    archived_url = models.URLField(
        "archived copy",
        max_length=500,
        blank=True,
        help_text="A web archive's copy, for addresses that have moved or been retired.",
    )

    class Meta:
        permissions = [("publish_source", "Can publish, unpublish and archive sources")]
        ordering = ["key"]
        # The bibliography's order (/sources/), read from the index a page at a time.
        indexes = [models.Index(fields=["status", "kind", "date", "key"], name="source_bibliography_idx")]
        constraints = [
            status_constraint("source_status_valid"),
            choice_constraint("source", "kind", SourceKind),
            choice_constraint("source", "date_precision", DatePrecision),
            models.CheckConstraint(condition=Q(key__regex=r"^[a-z0-9]+(-[a-z0-9]+)*$"), name="source_key_format"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return record_address("cases:source_detail", self.key)

    def publication_problems(self):
        return []  # a reference: it cites nothing itself

    @property
    def date_display(self):
        return format_date(self.date, self.date_precision)

    @property
    def safe_url(self):
        """The address, only if it is a web address: a link never runs script, whatever was stored."""
        return web_address(self.url)

    @property
    def safe_archived_url(self):
        return web_address(self.archived_url)


def web_address(url):
    return url if url.lower().startswith(("https://", "http://")) else ""


class Citation(models.Model):
    """One source supporting one record, or one fact (field) of it."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    field = models.CharField(
        max_length=40,
        blank=True,
        help_text="The fact this supports, e.g. start_date or mandate_type; blank for the whole record.",
    )
    locator = models.CharField(max_length=100, blank=True, help_text="Page, paragraph or article, e.g. para. 9.")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["content_type", "object_id", "field", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "field", "source", "locator"],
                name="citation_unique_per_fact",
            )
        ]

    def __str__(self):
        where = f" ({self.field})" if self.field else ""
        return f"{self.source.key}{where}"


class Organization(Publishable):
    Kind = OrganizationKind

    name = models.CharField(max_length=200, unique=True)
    acronym = models.CharField(max_length=20)
    slug = models.SlugField(unique=True, help_text="The common acronym in lower case, e.g. nato.")
    kind = models.CharField(max_length=10, choices=Kind)
    founded = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1800), MaxValueValidator(2100)]
    )
    headquarters = models.CharField(max_length=200, blank=True)
    colour = models.CharField(
        "timeline colour",
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^#[0-9A-Fa-f]{6}$", "A colour as #RRGGBB, e.g. #0072B2.")],
        help_text="The colour of the bars of the missions it leads; dark enough to read white text on.",
    )
    summary = cited_text(max_length=SUMMARY_LENGTH)
    body = cited_text(max_length=BODY_LENGTH, blank=True)
    rendered = rendered_text()
    members = models.ManyToManyField(Country, blank=True, related_name="organizations")
    citations = GenericRelation(Citation)

    markdown_fields = ("summary", "body")

    class Meta:
        permissions = [("publish_organization", "Can publish, unpublish and archive organisations")]
        verbose_name = "organisation"
        ordering = ["name"]
        constraints = [
            status_constraint("organization_status_valid"),
            choice_constraint("organization", "kind", OrganizationKind),
        ]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def get_absolute_url(self):
        return record_address("cases:organization_detail", self.slug)


class Challenge(Publishable):
    Category = ChallengeCategory

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(unique=True)
    category = models.CharField(max_length=15, choices=Category, db_index=True)
    synonyms = models.TextField(
        blank=True,
        help_text=(
            "Other words readers use for this challenge, one per line, e.g. spoilers. "
            "Only search reads them: they are never shown as facts."
        ),
    )
    summary = cited_text(max_length=SUMMARY_LENGTH)
    body = cited_text(max_length=BODY_LENGTH, blank=True)
    rendered = rendered_text()
    citations = GenericRelation(Citation)

    markdown_fields = ("summary", "body")

    class Meta:
        permissions = [("publish_challenge", "Can publish, unpublish and archive challenges")]
        ordering = ["name"]
        constraints = [
            status_constraint("challenge_status_valid"),
            choice_constraint("challenge", "category", ChallengeCategory),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_address("cases:challenge_detail", self.slug)


def depth_rank():
    """0 for a full case study, 1 for a summary, 2 for facts only: the order readers meet them in."""
    return models.Case(
        *(models.When(depth=depth, then=models.Value(rank)) for rank, depth in enumerate(Depth.values)),
        default=models.Value(len(Depth.values)),
        output_field=models.IntegerField(),
    )


# What a case study's row shows of each organisation it names: a tag, coloured on the timeline.
ORGANIZATION_TAG_FIELDS = ("status", "name", "acronym", "slug", "colour")


class CaseStudyQuerySet(PublishableQuerySet):
    def in_reading_order(self, *then):
        """Full case studies first, then summaries, then facts only; within each, by `then`."""
        return self.order_by("reading_order", *then)

    def active_in(self, year):
        """Missions whose span overlaps the year; an ongoing mission is active to this year."""
        if year > timezone.now().year:
            return self.none()
        return self.filter(
            Q(start_date__lt=datetime.date(year + 1, 1, 1))
            & (Q(end_date__isnull=True) | Q(end_date__gte=datetime.date(year, 1, 1)))
        )

    def for_links(self):
        """What a link to a case study shows (its address, title and acronym), without the rest."""
        return self.only("slug", "title", "acronym")

    def for_list(self):
        """What a row of the case-study list shows, loaded in a fixed number of queries."""
        # The texts stay in the database, their rendered HTML above all (a JSON document per row
        # to decode): a list row never shows them, nor an organisation's.
        return (
            self.select_related(None)
            .defer("summary", "body", "lessons", "rendered", "official_names", "unverified_facts")
            .prefetch_related(
                models.Prefetch(
                    "roles",
                    queryset=CaseOrganization.objects.select_related("organization")
                    .only("case_study_id", "role", *(f"organization__{field}" for field in ORGANIZATION_TAG_FIELDS))
                    .order_by("role", "organization__name"),
                ),
                "countries",
            )
        )


class CaseStudy(Publishable):
    MandateType = MandateType

    Outcome = Outcome

    Depth = Depth

    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    mission_name = models.CharField(max_length=200)
    acronym = models.CharField(max_length=30, blank=True, db_index=True)
    official_names = models.TextField(
        "other official names",
        blank=True,
        help_text="One per line, e.g. the operation's French name. Search finds these too.",
    )
    depth = models.CharField(
        max_length=7,
        choices=Depth,
        default=Depth.FULL,
        help_text="How much the entry tells: a full case study, a summary, or its facts only.",
    )
    # The depth as a number the database keeps (and indexes) itself, for the list's default order.
    reading_order = models.GeneratedField(
        expression=depth_rank(), output_field=models.PositiveSmallIntegerField(), db_persist=True
    )
    featured = models.BooleanField(default=False, help_text="Shown on the home page.")
    predecessors = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="successors",
        help_text="Operations this one directly took over from.",
    )
    unverified_facts = models.JSONField(
        default=list,
        blank=True,
        help_text="Infobox facts not yet checked against a primary document: readers see them marked unverified.",
    )
    region = models.CharField(max_length=12, choices=Region)
    countries = models.ManyToManyField(Country, related_name="case_studies", help_text="Host countries.")
    organizations = models.ManyToManyField(Organization, through="CaseOrganization", related_name="case_studies")
    mandate_type = models.CharField(max_length=20, choices=MandateType)
    start_date = models.DateField()
    start_precision = models.CharField(max_length=5, choices=DatePrecision, default=DatePrecision.DAY)
    end_date = models.DateField(null=True, blank=True, help_text="Empty while ongoing.")
    end_precision = models.CharField(max_length=5, choices=DatePrecision, default=DatePrecision.DAY)
    outcome = models.CharField(max_length=15, choices=Outcome)
    objectives = models.ManyToManyField(Objective, blank=True, related_name="case_studies")
    summary = cited_text(max_length=SUMMARY_LENGTH)
    body = cited_text(max_length=BODY_LENGTH, blank=True)
    lessons = cited_text("lessons learned", max_length=BODY_LENGTH, blank=True)
    rendered = rendered_text()
    search_documents = GenericRelation(SearchDocument)
    # Derived from the strength figures cited to published sources (cases/derived.py); used for sorting.
    peak_authorised_strength = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="Derived from the authorised strength figures on save; used for sorting.",
    )
    peak_deployed_strength = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="Derived from the deployed strength figures on save; used for sorting.",
    )
    # Kept by the UN data import (cases/un_data.py): fatalities the published dataset records for
    # this mission; null where it records none (shown as "n/a", sorted last).
    un_fatalities = models.PositiveIntegerField(
        "UN-recorded fatalities",
        null=True,
        blank=True,
        editable=False,
        help_text="Set by the UN data import from the published fatalities dataset; used for sorting.",
    )
    citations = GenericRelation(Citation)

    markdown_fields = ("summary", "body", "lessons")

    objects = CaseStudyQuerySet.as_manager()

    # Infobox facts that carry citations of their own (Citation.field).
    CITABLE_FACTS = {
        "mission": "Mission",
        "countries": "Host countries",
        "organizations": "Organisations",
        "mandate_type": "Mandate type",
        "start_date": "Start",
        "end_date": "End",
        "outcome": "Outcome",
        "objectives": "Objectives",
    }

    class Meta:
        permissions = [("publish_casestudy", "Can publish, unpublish and archive case studies")]
        ordering = ["title"]
        verbose_name_plural = "case studies"
        # Every public query filters on status: one composite index per filter and sort field.
        indexes = [
            models.Index(fields=["status", field], name=f"casestudy_status_{name}_idx")
            for field, name in [
                ("title", "title"),
                ("mandate_type", "mandate"),
                ("outcome", "outcome"),
                ("start_date", "start"),
                ("end_date", "end"),
                ("peak_authorised_strength", "peak"),
                ("peak_deployed_strength", "deployed"),
                ("un_fatalities", "fatal"),
                ("depth", "depth"),
                ("updated_at", "updated"),
            ]
        ] + [
            # The list's default order: full case studies first, then by title.
            models.Index(fields=["status", "reading_order", "title", "id"], name="casestudy_status_reading_idx"),
            # The home page's featured few, without reading every row to find them.
            models.Index(
                fields=["reading_order", "start_date", "title"],
                condition=Q(featured=True),
                name="casestudy_featured_idx",
            ),
            # Filters by region, and the facet counts of region, mandate type, outcome, depth and
            # ongoing, which read this index alone, never the wide rows of the table. The id
            # comes last for PostgreSQL, whose indexes do not hold it by themselves as SQLite's do.
            models.Index(
                fields=["status", "region", "mandate_type", "outcome", "depth", "end_date", "id"],
                name="casestudy_facets_idx",
            ),
            # The same five for given case studies (a search's thousands of matches), looked up
            # by id here rather than in the table, whose every row would be a page read.
            models.Index(
                fields=["id", "status", "region", "mandate_type", "outcome", "depth", "end_date"],
                name="casestudy_facets_by_id_idx",
            ),
            # "See also" picks the nearest in time among given case studies (those in one country,
            # led by one organisation...): their status and start read here, not in the wide rows.
            models.Index(fields=["id", "status", "start_date"], name="casestudy_start_by_id_idx"),
        ]
        constraints = [
            status_constraint("casestudy_status_valid"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="casestudy_end_not_before_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
            choice_constraint("casestudy", "region", Region),
            choice_constraint("casestudy", "mandate_type", MandateType),
            choice_constraint("casestudy", "outcome", Outcome),
            choice_constraint("casestudy", "depth", Depth),
            choice_constraint("casestudy", "start_precision", DatePrecision),
            choice_constraint("casestudy", "end_precision", DatePrecision),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return record_address("cases:detail", self.slug)

    def rows_with_citations(self):
        return [self, *self.case_challenges.all(), *self.timeline_events.all(), *self.contributions.all()]

    def cited_source_ids(self):
        return {
            *self.strength_figures.values_list("source_id", flat=True),
            *self.instruments.values_list("source_id", flat=True),
        }

    def publication_problems(self):
        problems = super().publication_problems()
        cited = set(
            Citation.objects.filter(content_type=ContentType.objects.get_for_model(CaseStudy), object_id=self.pk)
            .exclude(field="")
            .values_list("field", flat=True)
        )
        for fact, label in self.CITABLE_FACTS.items():
            if fact == "end_date" and self.end_date is None:
                continue
            if fact not in cited and fact not in self.unverified_facts:
                problems.append(
                    Problem(
                        f"The fact “{label}” cites no source: cite it under “Citations of facts”, or mark it "
                        "unverified.",
                        self.get_admin_url() + "#citations",
                    )
                )
        return problems

    def clean(self):
        super().clean()
        if not isinstance(self.unverified_facts, list) or not set(self.unverified_facts) <= set(self.CITABLE_FACTS):
            raise ValidationError({"unverified_facts": f"List infobox facts by name: {', '.join(self.CITABLE_FACTS)}."})
        if self.depth == self.Depth.FULL and not self.body.strip():
            raise ValidationError({"body": "A full case study needs its body text; or set the depth to summary."})
        # The database's constraint says the same; said here, the message sits at the field.
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date cannot be before the start date."})

    @property
    def other_names(self):
        return [name.strip() for name in self.official_names.splitlines() if name.strip()]

    @property
    def is_ongoing(self):
        return self.end_date is None

    @property
    def start_display(self):
        return format_date(self.start_date, self.start_precision)

    @property
    def end_display(self):
        return format_date(self.end_date, self.end_precision) if self.end_date else "Ongoing"

    @property
    def years_display(self):
        end = self.end_date.year if self.end_date else "present"
        return f"{self.start_date.year}–{end}"

    @property
    def duration_display(self):
        """How long the mission ran ('4 years 11 months'), or has run so far if ongoing."""
        precisions = {self.start_precision, self.end_precision if self.end_date else DatePrecision.DAY}
        # The coarsest of the two precisions says how exactly the duration is known.
        precision = next(p for p in [DatePrecision.YEAR, DatePrecision.MONTH, DatePrecision.DAY] if p in precisions)
        duration = format_duration(self.start_date, self.end_date or timezone.localdate(), precision)
        return f"{duration} so far" if self.end_date is None else duration


class CaseStudyFacet(models.Model):
    """
    One option of a linked facet that a published case study carries: ("organization",
    "<organisation id>"), ("country", "<country id>"), with the case study's own facet fields.
    Derived from the case study and its links and rewritten whenever they change
    (cases/facet_index.py); the list counts the linked facets of its results from this table alone.
    """

    # Indexed by the unique constraint, which leads with it and covers counting given case studies.
    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="+", db_index=False)
    facet = models.CharField(max_length=12)
    option = models.PositiveBigIntegerField(help_text="The id of the organisation, country, challenge or objective.")
    # An organisation's role in the mission (one row per role it holds); blank for other facets.
    role = models.CharField(max_length=12, blank=True)
    # Copies of the case study's facet fields: results chosen by these alone are counted from this
    # table's own index, without visiting the case studies one by one.
    region = models.CharField(max_length=12, choices=Region)
    mandate_type = models.CharField(max_length=20, choices=CaseStudy.MandateType)
    outcome = models.CharField(max_length=12, choices=CaseStudy.Outcome)
    depth = models.CharField(max_length=7, choices=Depth)
    ongoing = models.BooleanField()

    class Meta:
        indexes = [
            models.Index(
                fields=["facet", "role", "region", "mandate_type", "outcome", "depth", "ongoing", "option"],
                name="casestudyfacet_by_fields_idx",
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["case_study", "facet", "option", "role"], name="casestudyfacet_unique"),
            models.CheckConstraint(
                condition=Q(role="") | Q(facet="organization", role__in=OrganizationRole.values),
                name="casestudyfacet_role_valid",
            ),
            choice_constraint("casestudyfacet", "region", Region),
            choice_constraint("casestudyfacet", "mandate_type", MandateType),
            choice_constraint("casestudyfacet", "outcome", Outcome),
            choice_constraint("casestudyfacet", "depth", Depth),
        ]

    def __str__(self):
        return f"{self.facet}={self.option}"


class CaseOrganization(models.Model):
    Role = OrganizationRole

    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="roles")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="roles")
    role = models.CharField(max_length=12, choices=Role, default=Role.LEAD)

    class Meta:
        ordering = ["role", "organization__name"]
        verbose_name = "organisation role"
        constraints = [
            models.UniqueConstraint(fields=["case_study", "organization", "role"], name="caseorganization_unique_role"),
            choice_constraint("caseorganization", "role", OrganizationRole),
        ]

    def __str__(self):
        return f"{self.organization.acronym or self.organization.name} ({self.get_role_display().lower()})"


class CaseChallenge(models.Model):
    """How one challenge showed up in one mission."""

    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="case_challenges")
    # Indexed together with case_study below, which also serves lookups by challenge alone.
    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="case_challenges", db_index=False)
    description = cited_text(max_length=DESCRIPTION_LENGTH)
    rendered = rendered_text()
    citations = GenericRelation(Citation)

    markdown_fields = ("description",)

    class Meta:
        ordering = ["challenge__name"]
        verbose_name = "challenge met"
        verbose_name_plural = "challenges met"
        # Finding the case studies that met a challenge reads this index alone.
        indexes = [models.Index(fields=["challenge", "case_study"], name="casechallenge_by_challenge_idx")]
        constraints = [models.UniqueConstraint(fields=["case_study", "challenge"], name="casechallenge_unique")]

    def __str__(self):
        return f"{self.challenge} in {self.case_study}"


class TimelineEvent(models.Model):
    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="timeline_events")
    date = models.DateField()
    precision = models.CharField(max_length=5, choices=DatePrecision, default=DatePrecision.DAY)
    title = models.CharField(max_length=200)
    description = cited_text(max_length=DESCRIPTION_LENGTH, blank=True)
    rendered = rendered_text()
    citations = GenericRelation(Citation)

    markdown_fields = ("description",)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["case_study", "date"])]
        constraints = [choice_constraint("timelineevent", "precision", DatePrecision)]

    def __str__(self):
        return f"{self.date_display}: {self.title}"

    @property
    def date_display(self):
        return format_date(self.date, self.precision)


class StrengthFigure(models.Model):
    Kind = StrengthKind

    Personnel = Personnel

    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="strength_figures")
    date = models.DateField()
    date_precision = models.CharField(max_length=5, choices=DatePrecision, default=DatePrecision.DAY)
    kind = models.CharField(max_length=10, choices=Kind)
    personnel = models.CharField(max_length=10, choices=Personnel, default=Personnel.MILITARY)
    number = models.PositiveIntegerField()
    approximate = models.BooleanField(default=False, help_text="Shown to readers as 'about'.")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="strength_figures")
    locator = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date", "kind"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=0), name="strength_non_negative"),
            choice_constraint("strength", "kind", StrengthKind),
            choice_constraint("strength", "personnel", Personnel),
            choice_constraint("strength", "date_precision", DatePrecision),
        ]

    def __str__(self):
        about = "about " if self.approximate else ""
        return f"{self.get_kind_display()} {about}{self.number:,} {self.get_personnel_display().lower()}"

    @property
    def date_display(self):
        return format_date(self.date, self.date_precision)


class LegalInstrument(models.Model):
    """A document that establishes, extends, changes or ends a mission."""

    Role = InstrumentRole

    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="instruments")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="instruments")
    role = models.CharField(max_length=12, choices=Role)
    date = models.DateField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = "legal instrument"
        constraints = [
            models.UniqueConstraint(fields=["case_study", "source", "role"], name="instrument_unique_role"),
            choice_constraint("instrument", "role", InstrumentRole),
        ]

    def __str__(self):
        return f"{self.get_role_display()} {self.source.identifier or self.source.title}"


class Contribution(models.Model):
    Role = ContributionRole

    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="contributions")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="contributions")
    role = models.CharField(max_length=10, choices=Role, default=Role.TROOPS)
    peak_personnel = models.PositiveIntegerField(null=True, blank=True)
    approximate = models.BooleanField(default=False, help_text="Shown to readers as 'about'.")
    note = models.CharField(max_length=300, blank=True)
    citations = GenericRelation(Citation)

    class Meta:
        ordering = ["-peak_personnel", "country__name"]
        constraints = [
            models.UniqueConstraint(fields=["case_study", "country", "role"], name="contribution_unique"),
            choice_constraint("contribution", "role", ContributionRole),
            models.CheckConstraint(
                condition=Q(peak_personnel__isnull=True) | Q(peak_personnel__gte=0),
                name="contribution_personnel_non_negative",
            ),
        ]

    def __str__(self):
        return f"{self.country} ({self.get_role_display().lower()})"


# -- UN open data (cases/un_data.py imports it) ------------------------------------------------


class UNDatasetId(models.TextChoices):
    FATALITIES = "DPPADPOSS-FATALITIES", "Mission fatalities"
    OPERATIONS = "DPPADPOSS-PKO", "Peacekeeping operations"
    CONTRIBUTIONS = "DPO-UCHISTORICAL", "Uniformed personnel contributions, monthly"
    LATEST_CONTRIBUTIONS = "DPO-UCLATEST", "Uniformed personnel contributions, latest month"


class UNDataset(models.Model):
    """
    What the casebook knows about one imported dataset of the UN Peace and Security Data Hub,
    beside the Source that every figure from it cites: its licence, the attribution the licence
    asks for, and the hub's own caveats, shown with the figures.
    """

    Id = UNDatasetId

    source = models.OneToOneField(Source, on_delete=models.PROTECT, related_name="un_dataset")
    dataset_id = models.CharField(max_length=30, choices=Id, unique=True)
    licence = models.CharField(max_length=100)
    attribution = models.CharField(max_length=300)
    caveats = models.JSONField(default=list, help_text="The publisher's limitations, one sentence each.")
    imported_at = models.DateTimeField(help_text="When the last import changed it.")

    class Meta:
        verbose_name = "UN dataset"
        constraints = [choice_constraint("undataset", "dataset_id", UNDatasetId)]

    def __str__(self):
        return self.dataset_id


class FatalityPersonnel(models.TextChoices):
    # The hub's own attribute names (metadata.json, casualty_personnel_type).
    MILITARY = "military", "Military"
    MILITARY_OBSERVER = "military_observer", "Military observer"
    POLICE = "police", "Police"
    INTERNATIONAL_CIVILIAN = "international_civilian", "International civilian"
    LOCAL = "local", "Local staff"
    OTHER = "other", "Other"


class IncidentType(models.TextChoices):
    MALICIOUS_ACT = "malicious_act", "Malicious act"
    ACCIDENT = "accident", "Accident"
    ILLNESS = "illness", "Illness"
    SELF_INFLICTED = "self_inflicted", "Self-inflicted"
    TO_BE_DETERMINED = "to_be_determined", "To be determined"
    UNKNOWN = "unknown", "Unknown"


class Gender(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    __empty__ = "Not recorded"


M49_CODE = Q(m49_code="") | Q(m49_code__regex=r"^[0-9]{3}$")
ISO3_CODE = Q(iso3_code="") | Q(iso3_code__regex=r"^[A-Z]{3}$")


class Fatality(models.Model):
    """
    One fatality as the hub publishes it. The hub lists a few people twice, under two successive
    nationalities (Montenegro and Serbia and Montenegro), so a row is a casualty under one
    nationality; figures count distinct casualties.
    """

    Personnel = FatalityPersonnel
    Incident = IncidentType

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="fatalities")
    casualty_id = models.CharField(max_length=40, help_text="The dataset's casualty_id.")
    incident_date = models.DateField()
    mission_acronym = models.CharField(max_length=30, help_text="As published, without surrounding spaces.")
    # Null while the casebook has no entry for the mission: the row waits to be linked to one.
    case_study = models.ForeignKey(
        CaseStudy, null=True, blank=True, on_delete=models.SET_NULL, related_name="fatalities"
    )
    nationality = models.CharField(max_length=100, blank=True, help_text="As published, e.g. Yugoslavia.")
    # Null for an undetermined nationality, a state that no longer exists, or one the casebook lacks.
    nationality_country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.SET_NULL, related_name="national_fatalities"
    )
    m49_code = models.CharField("M49 code", max_length=3, blank=True)
    iso3_code = models.CharField("ISO 3166 alpha-3 code", max_length=3, blank=True)
    personnel_type = models.CharField(max_length=22, choices=Personnel)
    incident_type = models.CharField(max_length=16, choices=Incident)
    gender = models.CharField(max_length=1, choices=Gender, blank=True)

    class Meta:
        verbose_name_plural = "fatalities"
        ordering = ["incident_date", "casualty_id"]
        indexes = [
            models.Index(fields=["case_study", "incident_date"], name="fatality_by_case_idx"),
            models.Index(fields=["nationality_country", "case_study"], name="fatality_by_nationality_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "casualty_id", "nationality"], name="fatality_unique_per_dataset"
            ),
            choice_constraint("fatality", "personnel_type", FatalityPersonnel),
            choice_constraint("fatality", "incident_type", IncidentType),
            models.CheckConstraint(condition=Q(gender__in=["", "F", "M"]), name="fatality_gender_valid"),
            models.CheckConstraint(condition=M49_CODE, name="fatality_m49_code_format"),
            models.CheckConstraint(condition=ISO3_CODE, name="fatality_iso3_code_format"),
        ]

    def __str__(self):
        return f"{self.casualty_id} ({self.mission_acronym}, {self.incident_date})"


class LeadDepartment(models.TextChoices):
    DPO = "DPO", "Department of Peace Operations"
    DPPA = "DPPA", "Department of Political and Peacebuilding Affairs"


class UNOperation(models.Model):
    """One UN peacekeeping operation as the hub lists it (DPPADPOSS-PKO), headquarters included."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="un_operations")
    acronym = models.CharField(max_length=30)
    name = models.CharField(max_length=300)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    lead_department = models.CharField(max_length=4, choices=LeadDepartment, blank=True)
    is_active = models.BooleanField()
    headquarters = models.CharField(max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    case_study = models.ForeignKey(
        CaseStudy, null=True, blank=True, on_delete=models.SET_NULL, related_name="un_operations"
    )

    class Meta:
        verbose_name = "UN operation"
        ordering = ["start_date", "acronym"]
        constraints = [
            models.UniqueConstraint(fields=["source", "acronym", "start_date"], name="unoperation_unique"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="unoperation_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(lead_department__in=["", *LeadDepartment.values]),
                name="unoperation_lead_department_valid",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="unoperation_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="unoperation_longitude_range",
            ),
        ]

    def __str__(self):
        return f"{self.acronym} ({self.start_date.year})"


class ContributedPersonnel(models.TextChoices):
    # The hub's own attribute names (metadata.json, personnel_type), and the latest month's total.
    TROOPS = "troops", "Troops"
    STAFF_OFFICER = "staff_officer", "Staff officers"
    EXPERTS_ON_MISSION = "experts_on_mission", "Experts on mission"
    FORMED_POLICE_UNITS = "formed_police_units", "Formed police units"
    INDIVIDUAL_POLICE = "individual_police", "Individual police"
    ALL = "all", "All uniformed personnel"


class UNContribution(models.Model):
    """
    Uniformed personnel one country contributed in one month: to one mission, by personnel type
    (DPO-UCHISTORICAL), or to all missions together, with the country's rank (DPO-UCLATEST,
    whose rows name no mission: mission_acronym is blank).
    """

    Personnel = ContributedPersonnel

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="un_contributions")
    reporting_date = models.DateField()
    mission_acronym = models.CharField(max_length=30, blank=True, help_text="Blank: all missions together.")
    case_study = models.ForeignKey(
        CaseStudy, null=True, blank=True, on_delete=models.SET_NULL, related_name="un_contributions"
    )
    contributing_country = models.CharField(max_length=100, help_text="As published.")
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.SET_NULL, related_name="un_contributions"
    )
    m49_code = models.CharField("M49 code", max_length=3, blank=True)
    iso3_code = models.CharField("ISO 3166 alpha-3 code", max_length=3, blank=True)
    personnel_type = models.CharField(max_length=20, choices=Personnel)
    female_personnel = models.PositiveIntegerField()
    male_personnel = models.PositiveIntegerField()
    rank = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Among contributors that month.")

    class Meta:
        verbose_name = "UN contribution"
        ordering = ["reporting_date", "mission_acronym", "contributing_country", "personnel_type"]
        indexes = [
            models.Index(fields=["case_study", "reporting_date"], name="uncontribution_by_case_idx"),
            models.Index(fields=["country", "reporting_date"], name="uncontribution_by_country_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "reporting_date", "mission_acronym", "contributing_country", "personnel_type"],
                name="uncontribution_unique",
            ),
            choice_constraint("uncontribution", "personnel_type", ContributedPersonnel),
            models.CheckConstraint(
                condition=Q(female_personnel__gte=0) & Q(male_personnel__gte=0),
                name="uncontribution_personnel_non_negative",
            ),
            # Only the latest month's totals (no mission) carry a rank.
            models.CheckConstraint(
                condition=Q(rank__isnull=True) | Q(mission_acronym="", rank__gte=1),
                name="uncontribution_rank_only_for_totals",
            ),
            models.CheckConstraint(condition=M49_CODE, name="uncontribution_m49_code_format"),
            models.CheckConstraint(condition=ISO3_CODE, name="uncontribution_iso3_code_format"),
        ]

    def __str__(self):
        where = self.mission_acronym or "all missions"
        return f"{self.contributing_country}, {where}, {self.reporting_date:%B %Y}"

    @property
    def total_personnel(self):
        return self.female_personnel + self.male_personnel


class SourceSnapshot(models.Model):
    """
    The details of the sources a published version cites, as they were when it was saved, so
    that a later edit to a source never changes an old version's references (cases/versions.py).
    Only sources published at that moment are kept: a draft source's details are never stored here.
    """

    revision = models.OneToOneField("reversion.Revision", on_delete=models.CASCADE, related_name="source_snapshot")
    # {"<source id>": {"key": ..., "title": ..., ...}}: the serialised fields of each source.
    sources = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    def __str__(self):
        return f"sources of revision {self.revision_id}"


def exactly_one(*fields):
    """A condition: exactly one of the fields holds a value."""
    condition = Q()
    for field in fields:
        others = Q(**{f"{other}__isnull": True for other in fields if other != field})
        condition |= Q(**{f"{field}__isnull": False}) & others
    return condition


PAGE_LINKERS = ("from_case_study", "from_organization", "from_challenge")
PAGE_LINK_TARGETS = ("to_case_study", "to_organization", "to_challenge")


class PageLink(models.Model):
    """
    A link written in one page's text ([[case:…]], [[org:…]], [[challenge:…]], cases/wiki_links.py)
    to another page. Derived from the text on every save of the linking record and of its inline
    rows (cases/derived.py), whatever its status; "What links here" shows the published linkers.
    One row per pair of pages however often the text links; gone with either page.
    """

    LINKERS = PAGE_LINKERS
    TARGETS = PAGE_LINK_TARGETS

    from_case_study = models.ForeignKey("CaseStudy", null=True, on_delete=models.CASCADE, related_name="+")
    from_organization = models.ForeignKey("Organization", null=True, on_delete=models.CASCADE, related_name="+")
    from_challenge = models.ForeignKey("Challenge", null=True, on_delete=models.CASCADE, related_name="+")
    to_case_study = models.ForeignKey("CaseStudy", null=True, on_delete=models.CASCADE, related_name="links_here")
    to_organization = models.ForeignKey("Organization", null=True, on_delete=models.CASCADE, related_name="links_here")
    to_challenge = models.ForeignKey("Challenge", null=True, on_delete=models.CASCADE, related_name="links_here")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=exactly_one(*PAGE_LINKERS), name="pagelink_one_linker"),
            models.CheckConstraint(condition=exactly_one(*PAGE_LINK_TARGETS), name="pagelink_one_target"),
            # Null is no value in a unique index: each column is counted as 0 when empty.
            models.UniqueConstraint(
                *(Coalesce(field, Value(0)) for field in (*PAGE_LINKERS, *PAGE_LINK_TARGETS)),
                name="pagelink_unique_pair",
            ),
        ]

    def __str__(self):
        return f"{self.linker} → {self.target}"

    @property
    def linker(self):
        return next(getattr(self, field) for field in self.LINKERS if getattr(self, f"{field}_id") is not None)

    @property
    def target(self):
        return next(getattr(self, field) for field in self.TARGETS if getattr(self, f"{field}_id") is not None)


# History: a version of a record includes its inline rows, so restoring a version restores them.
reversion.register(Citation)
reversion.register(CaseOrganization)
reversion.register(CaseChallenge, follow=["citations"])
reversion.register(TimelineEvent, follow=["citations"])
reversion.register(StrengthFigure)
reversion.register(LegalInstrument)
reversion.register(Contribution, follow=["citations"])
reversion.register(Source)
reversion.register(Organization, follow=["citations"])
reversion.register(Challenge, follow=["citations"])
reversion.register(
    CaseStudy,
    follow=[
        "roles",
        "case_challenges",
        "timeline_events",
        "strength_figures",
        "instruments",
        "contributions",
        "citations",
    ],
)


class ProposalState(models.TextChoices):
    DRAFT = "draft", "Not yet submitted"
    SUBMITTED = "submitted", "Waiting for review"
    RETURNED = "returned", "Changes requested"
    APPROVED = "approved", "Approved"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_PROPOSAL_STATES = [ProposalState.DRAFT, ProposalState.SUBMITTED, ProposalState.RETURNED]


class Proposal(models.Model):
    """
    A change an editor proposes to a published record, kept aside until a reviewer approves it:
    readers see the published version, unchanged, until then. The change is a snapshot of the
    whole record with its inline rows, in django-reversion's format (cases/editorial.py).
    """

    State = ProposalState
    OPEN_STATES = OPEN_PROPOSAL_STATES

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    snapshot = models.JSONField(help_text="The proposed record and inline rows, as serialised versions.")
    based_on_revision = models.PositiveIntegerField(help_text="The record's edit revision the change was made from.")
    state = models.CharField(max_length=10, choices=State, default=State.DRAFT)
    note = models.TextField(blank=True, help_text="The editor's note to the reviewer.")
    review_comment = models.TextField(blank=True, help_text="The reviewer's comment when asking for changes.")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "created_at"]
        indexes = [models.Index(fields=["content_type", "object_id", "state"])]
        constraints = [
            choice_constraint("proposal", "state", ProposalState),
            # One open proposal per record: a second editor's change waits for the first.
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(state__in=OPEN_PROPOSAL_STATES),
                name="proposal_one_open_per_record",
            ),
        ]

    def __str__(self):
        return f"Proposed change to “{self.record}” by {self.proposed_by}"

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES


# -- readers' reports ----------------------------------------------------------------------------

REPORT_MESSAGE_LENGTH = 2_000
REPORT_SOURCE_LENGTH = 500
REPORT_PAGE_LENGTH = 500


class ErrorReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ErrorReportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=ErrorReportStatus.OPEN)


class ErrorReport(models.Model):
    """
    A reader's report of an error, or a suggested source, sent from a public page. Reports are
    for editors only: no public page ever shows one.
    """

    Status = ErrorReportStatus

    page = models.CharField(
        max_length=REPORT_PAGE_LENGTH, blank=True, help_text="The address of the page it was sent from."
    )
    # The record the page shows, and which of its public versions, when the page is a record's.
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    record = GenericForeignKey("content_type", "object_id")
    version_number = models.PositiveIntegerField(
        null=True, blank=True, help_text="The public version the reader was reading."
    )
    message = models.TextField(validators=[MaxLengthValidator(REPORT_MESSAGE_LENGTH)])
    source = models.CharField(
        max_length=REPORT_SOURCE_LENGTH,
        blank=True,
        help_text="A source the reader suggests: an address or a reference.",
    )
    email = models.EmailField(blank=True, help_text="Given by the reader for a reply; optional.")
    # A keyed hash of the sender's address, never the address: enough to see that several
    # reports came from one sender, nothing that identifies a reader.
    sender = models.CharField(max_length=16, help_text="A keyed hash of the sender's network address.")
    status = models.CharField(max_length=10, choices=ErrorReportStatus, default=ErrorReportStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ErrorReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            choice_constraint("errorreport", "status", ErrorReportStatus),
            models.CheckConstraint(
                condition=Q(
                    GreaterThan(Length("message"), 0), LessThanOrEqual(Length("message"), REPORT_MESSAGE_LENGTH)
                ),
                name="errorreport_message_size",
            ),
            # A record is named by both its kind and its id, or not at all.
            models.CheckConstraint(
                condition=Q(content_type__isnull=True, object_id__isnull=True)
                | Q(content_type__isnull=False, object_id__isnull=False),
                name="errorreport_record_complete",
            ),
            # Version numbers start at 1 and belong to a record.
            models.CheckConstraint(
                condition=Q(version_number__isnull=True) | Q(version_number__gte=1, object_id__isnull=False),
                name="errorreport_version_of_record",
            ),
        ]

    def __str__(self):
        return f"Report on {self.page or 'the casebook'}, {self.created_at:%d %b %Y}"


class DataRelease(models.Model):
    """
    One version of the full dump of the published casebook (cases/releases.py): a new one is
    made when what readers can see differs from the last, never otherwise, so its number counts
    published changes. The file is kept as served, compressed, so a version's checksum holds for
    as long as the version is offered.
    """

    number = models.PositiveIntegerField(unique=True)
    released_at = models.DateTimeField()
    sha256 = models.CharField("SHA-256 of the file", max_length=64)
    content_sha256 = models.CharField(
        "SHA-256 of the records", max_length=64, help_text="Of the records alone, to tell whether they changed."
    )
    data = models.BinaryField(help_text="The file as served, gzip-compressed.")
    counts = models.JSONField(default=dict, help_text="How many records of each kind it holds.")
    changes = models.JSONField(default=dict, help_text="Records added, removed and changed since the version before.")
    record_hashes = models.JSONField(
        default=dict,
        help_text="A short hash of each record, by kind and identifier: what the next version is compared with.",
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="datarelease_number_from_1"),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="datarelease_sha256_hex"),
            models.CheckConstraint(
                condition=Q(content_sha256__regex=r"^[0-9a-f]{64}$"), name="datarelease_content_sha256_hex"
            ),
        ]

    def __str__(self):
        return f"casebook-{self.number}.json"

    @property
    def file_name(self):
        return f"casebook-{self.number}.json"
