"""
Fill an empty, migrated database with a synthetic casebook of N published case studies.

    python -m bench.generate --cases 10000 --database-url sqlite:////tmp/bench.sqlite3

Proportions follow the real casebook: about N/100 organisations (at least 8), about 200
countries, about N/200 challenges (at least 13), 10 objectives and about N sources. Each case
study has 2 organisation roles, 1-2 host countries, 2 challenges met, 1-3 objectives, 6 timeline
events, 2 strength figures, 1 legal instrument, 3 contributions, 3 fact citations and a Markdown
body of three `##` sections that cite sources inline. Every text says it is synthetic.

Rows go in with bulk_create and explicit primary keys (the database must be empty), one
transaction per batch of case studies; the derived peak authorised strength is set directly.
The search and facet indexes are then built with the project's own `rebuild()` functions. The
same seed always gives the same casebook.
"""

import argparse
import datetime
import os
import random
import secrets
import sys
import time

# The ten objectives of the real casebook: a fixed vocabulary, so kept as it is.
OBJECTIVES = [
    ("ceasefire-monitoring", "Ceasefire monitoring"),
    ("protection-of-civilians", "Protection of civilians"),
    ("ddr", "Disarmament, demobilisation and reintegration (DDR)"),
    ("elections", "Electoral support"),
    ("rule-of-law", "Rule of law"),
    ("humanitarian-access", "Humanitarian access"),
    ("counter-insurgency", "Counter-insurgency"),
    ("security-sector-reform", "Security sector reform"),
    ("transitional-administration", "Transitional administration"),
    ("stabilisation", "Stabilisation"),
]

# Regions weighted roughly as peace operations have been.
REGION_WEIGHTS = {
    "africa": 40,
    "europe": 18,
    "asia": 16,
    "middle-east": 12,
    "americas": 9,
    "oceania": 5,
}

COUNTRY_STEMS = ["Var", "Nor", "Kal", "Lem", "Tor", "Bel", "Sav", "Mar", "Ost", "Rud"]
COUNTRY_MIDDLES = ["a", "e", "o", "i"]
COUNTRY_ENDINGS = ["nia", "dova", "stan", "mark", "ria"]

ORGANIZATION_KINDS = [
    ("global", "Assembly", "A"),
    ("alliance", "Defence Alliance", "DA"),
    ("regional", "Regional Union", "RU"),
    ("coalition", "Coalition", "C"),
]

CHALLENGE_THEMES = [
    ("Host-state consent", "political"),
    ("Spoilers of the peace agreement", "political"),
    ("Force generation", "resources"),
    ("Funding shortfalls", "resources"),
    ("Logistics over long supply lines", "operational"),
    ("Ambiguous rules of engagement", "legal"),
    ("Protection of civilians", "security"),
    ("Asymmetric attacks", "security"),
    ("Command and coordination", "operational"),
    ("Seasonal flooding", "environmental"),
    ("Language barriers", "operational"),
    ("Local public opinion", "social"),
    ("Exit strategy", "political"),
]

SOURCE_KINDS = [
    ("un_document", "Synthetic Security Council resolution"),
    ("report", "Synthetic report of the Secretary-General"),
    ("press_release", "Synthetic press release"),
    ("treaty", "Synthetic status-of-forces agreement"),
    ("journal_article", "Synthetic journal article"),
    ("book", "Synthetic monograph"),
]

SECTION_HEADINGS = [
    "Background",
    "Mandate and deployment",
    "Political process",
    "Security situation",
    "Protection of civilians",
    "Logistics and support",
    "Drawdown and legacy",
    "Relations with the host state",
]

ARMED_GROUPS = [
    "the Northern Front",
    "the People's Liberation Council",
    "the Coastal Militia",
    "the Highland Movement",
    "the Democratic Alliance",
]

# One of these appears in each case study's body, so a search for one matches about a tenth.
SEARCH_WORDS = [
    "cantonment",
    "demining",
    "airlift",
    "monsoon",
    "referendum",
    "amnesty",
    "curfew",
    "checkpoint",
    "escort",
    "quartermaster",
]

SENTENCES = [
    "{mission} deployed to {country} in {year} after a ceasefire between the government and {group} {cite}.",
    "The Council asked the mission to monitor the ceasefire line and report violations every month {cite}.",
    "Troop contributors were slow to arrive, and by the end of the first year only {pct} per cent of the "
    "authorised strength was in place {cite}.",
    "Negotiations stalled twice over the sequencing of elections and disarmament {cite}.",
    "Patrols were limited during the rainy season, when most roads in {country} became impassable {cite}.",
    "A {word} programme run with the host government was credited with reducing incidents {cite}.",
    "The mission's civilian staff supported {n} local councils in drafting their budgets {cite}.",
    "An independent review in {year2} found the mandate too broad for the resources provided {cite}.",
    "Relations with {group} improved once a joint commission met regularly {cite}.",
    "Helicopter support from two contributing states made it possible to reach remote districts {cite}.",
]

LESSONS = [
    "Synthetic lesson: a clear exit strategy agreed early kept contributors engaged {cite}.",
    "Synthetic lesson: mandates that outrun resources erode the mission's credibility {cite}.",
    "Synthetic lesson: local ownership of the peace process mattered more than troop numbers {cite}.",
]

EVENT_TITLES = [
    "Mandate adopted",
    "First contingents arrive",
    "Ceasefire agreement signed",
    "Mandate extended",
    "Elections held",
    "Drawdown begins",
    "Mandate expanded",
    "Peace agreement signed",
    "Mission headquarters relocated",
]

FACT_FIELDS = ["start_date", "mandate_type", "organizations", "countries", "outcome", "objectives", "mission"]


class GenerationError(Exception):
    """The database cannot take a synthetic casebook (not empty, not migrated)."""


class Progress:
    """A progress bar on standard error; one line per tenth when it is not a terminal."""

    def __init__(self, total, label, enabled=True):
        self.total, self.label, self.enabled = total, label, enabled
        self.started = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.last_tenth = -1

    def update(self, done):
        if not self.enabled:
            return
        fraction = done / self.total if self.total else 1
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed else 0
        if self.tty:
            bar = "#" * int(fraction * 30)
            sys.stderr.write(
                f"\r{self.label} [{bar:<30}] {done:,}/{self.total:,} {fraction:4.0%} {elapsed:5.1f}s {rate:,.0f}/s"
            )
            if done >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()
        elif int(fraction * 10) > self.last_tenth:
            self.last_tenth = int(fraction * 10)
            print(f"{self.label}: {done:,}/{self.total:,} ({fraction:.0%}) after {elapsed:.1f}s", file=sys.stderr)


def proportions(n):
    return {
        "case_studies": n,
        "organizations": max(8, round(n / 100)),
        "countries": 200,
        "challenges": max(13, round(n / 200)),
        "objectives": len(OBJECTIVES),
        "sources": max(50, n),
    }


def country_names():
    names = [
        f"{stem}{middle}{ending}" for stem in COUNTRY_STEMS for middle in COUNTRY_MIDDLES for ending in COUNTRY_ENDINGS
    ]
    assert len(set(names)) == len(names) == 200
    return names


def country_codes(rng, count):
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    codes = [a + b for a in letters for b in letters]
    rng.shuffle(codes)
    return sorted(codes[:count])


def cite(key, locator=""):
    return f"[[cite:{key}|{locator}]]" if locator else f"[[cite:{key}]]"


def sentence(rng, template, key, context):
    locator = f"para. {rng.randint(1, 40)}" if rng.random() < 0.3 else ""
    return template.format(
        group=rng.choice(ARMED_GROUPS),
        pct=rng.randint(30, 70),
        n=rng.randint(3, 40),
        cite=cite(key, locator),
        **context,
    )


def generate(n, *, seed=1, batch_size=1000, progress=True, analyze=False):
    """Write a synthetic casebook of `n` published case studies; return counts, timings and sample URLs."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from cases.derived import rendering_of
    from cases.models import (
        CaseChallenge,
        CaseOrganization,
        CaseStudy,
        Challenge,
        Citation,
        Contribution,
        Country,
        Fatality,
        LegalInstrument,
        Objective,
        Organization,
        Source,
        Status,
        StrengthFigure,
        TimelineEvent,
        UNDataset,
    )

    if n < 1:
        raise GenerationError("The number of case studies must be at least 1.")
    if "cases_casestudy" not in connection.introspection.table_names():
        raise GenerationError("The database is not migrated: run `manage.py migrate` first.")
    for model in (CaseStudy, Source, Organization, Challenge, Country, Objective):
        if model.objects.exists():
            raise GenerationError(
                f"The database already holds {model._meta.verbose_name_plural}: the generator fills an empty one."
            )

    started = time.monotonic()
    rng = random.Random(seed)
    sizes = proportions(n)
    now = timezone.now()
    published = {"status": Status.PUBLISHED, "published_at": now, "reviewed_at": now, "status_changed_at": now}
    today = datetime.date.today()

    # Reference data: countries, objectives, sources, organisations, challenges.
    regions = list(REGION_WEIGHTS)
    weights = list(REGION_WEIGHTS.values())
    codes = country_codes(rng, sizes["countries"])
    countries = []
    for index, (code, name) in enumerate(zip(codes, country_names(), strict=True), start=1):
        region = regions[index % len(regions)] if index <= len(regions) else rng.choices(regions, weights)[0]
        countries.append(Country(id=index, code=code, name=name, region=region))
    countries_by_region = {region: [c for c in countries if c.region == region] for region in regions}

    objectives = [Objective(id=i, slug=slug, name=name) for i, (slug, name) in enumerate(OBJECTIVES, start=1)]

    sources = []
    for i in range(1, sizes["sources"] + 1):
        kind, title = SOURCE_KINDS[i % len(SOURCE_KINDS)]
        year = rng.randint(1948, today.year - 1)
        sources.append(
            Source(
                id=i,
                key=f"synthetic-source-{i}",
                kind=kind,
                title=f"{title} {i} ({year})",
                publisher="Synthetic Publications Office",
                date=datetime.date(year, rng.randint(1, 12), rng.randint(1, 28)),
                identifier=f"SYN/{year}/{i}",
                url=f"https://example.org/synthetic/sources/{i}",
                **published,
            )
        )
    source_keys = [source.key for source in sources]

    def pick_sources(k):
        return rng.sample(source_keys, k)

    organizations = []
    for i in range(1, sizes["organizations"] + 1):
        kind, label, letters = ORGANIZATION_KINDS[i % len(ORGANIZATION_KINDS)]
        acronym = f"S{letters}{i}"
        organizations.append(
            Organization(
                id=i,
                name=f"Synthetic {label} {i}",
                acronym=acronym,
                slug=acronym.lower(),
                kind=kind,
                founded=rng.randint(1945, 2010),
                headquarters=f"{rng.choice(countries).name} (synthetic)",
                summary=f"Synthetic {label.lower()} number {i}, made up for the benchmark {cite(pick_sources(1)[0])}.",
                body=(
                    f"## Origins\n\nSynthetic organisation {i} was founded to coordinate regional security "
                    f"{cite(pick_sources(1)[0])}.\n\n## Operations\n\nIt has led or supported synthetic missions "
                    f"on several continents {cite(pick_sources(1)[0])}."
                ),
                **published,
            )
        )

    challenges = []
    for i in range(1, sizes["challenges"] + 1):
        theme, category = CHALLENGE_THEMES[(i - 1) % len(CHALLENGE_THEMES)]
        challenges.append(
            Challenge(
                id=i,
                name=f"Synthetic challenge {i}: {theme.lower()}",
                slug=f"synthetic-challenge-{i}",
                category=category,
                summary=f"{theme}, as met by synthetic missions {cite(pick_sources(1)[0])}.",
                body=f"## In practice\n\nA recurring synthetic difficulty {cite(pick_sources(1)[0])}.",
                **published,
            )
        )

    for record in [*organizations, *challenges]:
        record.rendered = rendering_of(record)
    with transaction.atomic():
        Country.objects.bulk_create(countries, batch_size=batch_size)
        Objective.objects.bulk_create(objectives)
        Source.objects.bulk_create(sources, batch_size=batch_size)
        # The UN fatalities dataset, as the shipped content has it: every mission page cites it.
        fatalities_source = Source.objects.create(
            id=len(sources) + 1,
            key="un-psdata-dppadposs-fatalities",
            kind=Source.Kind.DATASET,
            title="Synthetic mission fatalities",
            publisher="A synthetic publisher",
            identifier="DPPADPOSS-FATALITIES",
            **published,
        )
        UNDataset.objects.create(
            source=fatalities_source,
            dataset_id="DPPADPOSS-FATALITIES",
            licence="Synthetic data",
            attribution="Synthetic data, generated to measure the casebook's speed",
            caveats=["Every row is made up."],
            imported_at=now,
        )
        Organization.objects.bulk_create(organizations, batch_size=batch_size)
        Challenge.objects.bulk_create(challenges, batch_size=batch_size)
        Membership = Organization.members.through
        Membership.objects.bulk_create(
            [
                Membership(organization_id=organization.id, country_id=country.id)
                for organization in organizations
                for country in rng.sample(countries, rng.randint(10, 30))
            ],
            batch_size=batch_size,
        )

    # Case studies and everything that hangs on them, one transaction per batch.
    case_type_id = ContentType.objects.get_for_model(CaseStudy).id
    # The case study the benchmark measures: it has fatalities (so its page draws both charts,
    # strength and fatalities by year), whatever the size.
    sample = (n + 1) // 2
    HostCountry = CaseStudy.countries.through
    CaseObjective = CaseStudy.objectives.through
    mandate_types = CaseStudy.MandateType.values
    role_choices = ["authorising", "partner", "funding"]
    bar = Progress(n, "case studies", enabled=progress)
    counts = dict.fromkeys(
        ["roles", "host_countries", "case_challenges", "case_objectives", "timeline_events", "strength_figures"], 0
    )
    counts.update(legal_instruments=0, contributions=0, fact_citations=0, fatalities=0)
    for first in range(1, n + 1, batch_size):
        last = min(n, first + batch_size - 1)
        cases, rows = [], {name: [] for name in counts}
        for i in range(first, last + 1):
            region = rng.choices(regions, weights)[0]
            hosts = rng.sample(countries_by_region[region], rng.randint(1, 2))
            start = datetime.date(rng.randint(1948, today.year - 1), rng.randint(1, 12), rng.randint(1, 28))
            if rng.random() < 0.15:
                end, outcome = None, "ongoing"
            else:
                end = min(today, start + datetime.timedelta(days=rng.randint(180, 15 * 365)))
                outcome = rng.choice(["completed", "transitioned", "withdrawn"])
            mission = f"Synthetic mission {i}"
            keys = pick_sources(8)
            year2 = min(today.year, start.year + rng.randint(1, 5))

            context = {"mission": mission, "country": hosts[0].name, "year": start.year, "year2": year2}
            context["word"] = rng.choice(SEARCH_WORDS)
            sections = []
            for s, heading in enumerate(rng.sample(SECTION_HEADINGS, 3)):
                templates = rng.sample(SENTENCES, 4)
                if s == 1 and not any("{word}" in t for t in templates):
                    templates[0] = SENTENCES[5]
                paragraph = " ".join(sentence(rng, t, keys[(s * 2 + k) % 6], context) for k, t in enumerate(templates))
                sections.append(f"## {heading}\n\n{paragraph}")
            authorised = rng.randint(500, 25000)
            # Half the missions have fatalities recorded, spread over their years, as real ones do.
            deaths = rng.randint(1, 60) if i % 2 == 0 or i == sample else 0
            last_day = (end or today) - start
            cases.append(
                CaseStudy(
                    id=i,
                    title=f"{hosts[0].name}: Synthetic mission {i}",
                    slug=f"synthetic-mission-{i}",
                    mission_name=mission,
                    acronym=f"SYN{i}",
                    region=region,
                    mandate_type=rng.choice(mandate_types),
                    start_date=start,
                    end_date=end,
                    outcome=outcome,
                    summary=(
                        f"{mission} is a made-up peace operation in {hosts[0].name}, generated to measure the "
                        f"casebook's speed {cite(keys[0])}. It is not a real mission {cite(keys[6])}."
                    ),
                    body="\n\n".join(sections),
                    lessons=sentence(rng, rng.choice(LESSONS), keys[7], context),
                    peak_authorised_strength=authorised,
                    un_fatalities=deaths or None,
                    **published,
                )
            )
            lead, other = rng.sample(organizations, 2)
            rows["roles"] += [
                CaseOrganization(case_study_id=i, organization_id=lead.id, role="lead"),
                CaseOrganization(case_study_id=i, organization_id=other.id, role=rng.choice(role_choices)),
            ]
            rows["host_countries"] += [HostCountry(casestudy_id=i, country_id=host.id) for host in hosts]
            rows["case_challenges"] += [
                CaseChallenge(
                    case_study_id=i,
                    challenge_id=challenge.id,
                    description=f"How {challenge.name.lower()} showed up in {mission} {cite(keys[k + 1])}.",
                )
                for k, challenge in enumerate(rng.sample(challenges, 2))
            ]
            rows["case_objectives"] += [
                CaseObjective(casestudy_id=i, objective_id=objective.id)
                for objective in rng.sample(objectives, rng.randint(1, 3))
            ]
            span = ((end or today) - start).days
            for k, title in enumerate(rng.sample(EVENT_TITLES, 6)):
                rows["timeline_events"].append(
                    TimelineEvent(
                        case_study_id=i,
                        date=start + datetime.timedelta(days=span * k // 6),
                        title=f"{title} (synthetic)",
                        description=f"A synthetic event in the life of {mission} {cite(keys[k % 8])}." if k % 2 else "",
                    )
                )
            rows["strength_figures"] += [
                StrengthFigure(
                    case_study_id=i,
                    date=start,
                    kind="authorised",
                    personnel="military",
                    number=authorised,
                    source_id=int(keys[2].rsplit("-", 1)[1]),
                ),
                StrengthFigure(
                    case_study_id=i,
                    date=start + datetime.timedelta(days=span // 2),
                    kind="deployed",
                    personnel="military",
                    number=rng.randint(authorised // 2, authorised),
                    approximate=True,
                    source_id=int(keys[3].rsplit("-", 1)[1]),
                ),
            ]
            rows["fatalities"] += [
                Fatality(
                    source_id=fatalities_source.id,
                    casualty_id=f"SYN{i}-{k}",
                    incident_date=start + datetime.timedelta(days=rng.randint(0, last_day.days)),
                    mission_acronym=f"SYN{i}",
                    case_study_id=i,
                    nationality=hosts[0].name,
                    nationality_country_id=hosts[0].id,
                    personnel_type=rng.choice(["military", "police", "local", "international_civilian"]),
                    incident_type=rng.choice(["illness", "accident", "malicious_act"]),
                    gender="M",
                )
                for k in range(deaths)
            ]
            rows["legal_instruments"].append(
                LegalInstrument(
                    case_study_id=i, source_id=int(keys[4].rsplit("-", 1)[1]), role="establishing", date=start
                )
            )
            rows["contributions"] += [
                Contribution(
                    case_study_id=i, country_id=country.id, role="troops", peak_personnel=rng.randint(50, 5000)
                )
                for country in rng.sample(countries, 3)
            ]
            rows["fact_citations"] += [
                Citation(
                    content_type_id=case_type_id,
                    object_id=i,
                    source_id=int(key.rsplit("-", 1)[1]),
                    field=field,
                    locator=f"para. {rng.randint(1, 40)}",
                )
                for field, key in zip(rng.sample(FACT_FIELDS, 3), keys[5:8], strict=True)
            ]
        with_text = [row for objects in rows.values() for row in objects if hasattr(row, "markdown_fields")]
        for record in [*cases, *with_text]:
            record.rendered = rendering_of(record)
        with transaction.atomic():
            CaseStudy.objects.bulk_create(cases, batch_size=batch_size)
            for name, objects in rows.items():
                if objects:
                    type(objects[0]).objects.bulk_create(objects, batch_size=batch_size)
                    counts[name] += len(objects)
        bar.update(last)

    # Explicit keys leave PostgreSQL's sequences behind: move them past the rows written.
    models = [
        Country,
        Objective,
        Source,
        Organization,
        Challenge,
        CaseStudy,
        Organization.members.through,
        CaseOrganization,
        HostCountry,
        CaseObjective,
        CaseChallenge,
        TimelineEvent,
        StrengthFigure,
        LegalInstrument,
        Contribution,
        Citation,
    ]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)

    # bulk_create sends no signals, which keep the derived data in step: derive it all at once.
    from cases import derived

    if progress:
        print("search index: building...", file=sys.stderr, flush=True)
    index_started = time.monotonic()
    indexed = derived.rebuild_all(render=False)
    index_seconds = time.monotonic() - index_started
    if progress:
        print(f"search index: {indexed:,} documents in {index_seconds:.1f}s", file=sys.stderr, flush=True)

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum does soon after a bulk load: planner statistics, and the visibility
            # map that lets counts read an index alone.
            cursor.execute("VACUUM ANALYZE")
        elif analyze:
            # SQLite never gathers statistics by itself (the content loader does), so on request.
            cursor.execute("ANALYZE")

    lead_org = organizations[0]
    keep_two_versions(CaseStudy.objects.get(slug=f"synthetic-mission-{sample}"))
    keep_two_versions(Organization.objects.get(pk=lead_org.pk))

    elapsed = time.monotonic() - started
    return {
        "counts": {**sizes, **counts, "search_documents": indexed},
        "seconds": round(elapsed, 2),
        "search_index_seconds": round(index_seconds, 2),
        "seed": seed,
        "analyzed": connection.vendor == "postgresql" or analyze,
        "samples": {
            # Its page draws its strength and fatalities charts.
            "case_slug": f"synthetic-mission-{sample}",
            # Two case studies side by side: the first one and the sample.
            "compare_slugs": ["synthetic-mission-1", f"synthetic-mission-{sample}"],
            "organization_slug": lead_org.slug,
            "search_word": SEARCH_WORDS[0],
            # A mission's acronym: a search that finds one case study, as a reader's usually does.
            "search_one": f"SYN{sample}",
            # A country of the most frequent region: it hosts about 1.5 n / 200 case studies
            # and contributes to about 3 n / 200.
            "country_code": countries_by_region[max(REGION_WEIGHTS, key=REGION_WEIGHTS.get)][0].code,
            # The region weighted most: it holds two case studies in five.
            "region": max(REGION_WEIGHTS, key=REGION_WEIGHTS.get),
        },
    }


def keep_two_versions(record):
    """Two published versions of a sample record, for its version and history pages (bulk_create keeps none)."""
    import reversion

    for summary in (record.summary, record.summary + " Revised after review."):
        with reversion.create_revision():
            record.summary = summary
            record.save()
            reversion.set_comment("Benchmark version")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="python -m bench.generate")
    parser.add_argument("--cases", type=int, required=True, help="Number of case studies to generate.")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="An empty, migrated database (default: $DATABASE_URL).",
    )
    parser.add_argument("--seed", type=int, default=1, help="Random seed (default: %(default)s).")
    parser.add_argument("--batch-size", type=int, default=1000, help="Case studies per transaction.")
    parser.add_argument("--summary-json", help="Also write the summary (counts, seconds, sample slugs) to this file.")
    parser.add_argument("--quiet", action="store_true", help="No progress bar.")
    parser.add_argument("--analyze", action="store_true", help="Run ANALYZE on SQLite too (PostgreSQL always gets it).")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url (or set DATABASE_URL): the generator never guesses a database.")

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(64))
    import django

    django.setup()
    try:
        summary = generate(
            args.cases, seed=args.seed, batch_size=args.batch_size, progress=not args.quiet, analyze=args.analyze
        )
    except GenerationError as error:
        print(f"Nothing generated: {error}", file=sys.stderr)
        return 2
    if args.summary_json:
        import json

        with open(args.summary_json, "w", encoding="utf-8") as handle:
            json.dump(summary, handle, indent=2)
    counts = ", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in summary["counts"].items())
    print(
        f"Generated in {summary['seconds']:.1f}s (of which the search index {summary['search_index_seconds']:.1f}s): "
        f"{counts}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
