"""
Everything the casebook derives from what editors write, and the one place it is kept in step.

Editors write records; readers are shown data derived from them. For every save or delete,
this module's signal handlers, connected in `connect()` (called once by CasesConfig.ready),
keep four kinds of derived data in step:

1. rendered text: each Markdown field as sanitised HTML (cases/citations.py), stored on the
   record itself before it is written, so no public request ever runs the Markdown parser;
2. search documents (cases/search_index.py): one per published record, none for any other; a
   case study's also holds the names of its countries, organisations and objectives, so it is
   rewritten when those links change or those names do (or an organisation is published or not);
3. facet rows (cases/facet_index.py): the options a published case study carries, which the
   list counts; rewritten when the case study or any of its links change;
4. the peak authorised and peak deployed strength of a case study, sort keys of the list, from
   its figures cited to published sources (so also when such a source is published or withdrawn);
5. with each new version of a published record, the details of the sources it cites
   (cases/versions.py), so that its permanent page keeps the references it was published with;
6. page links (PageLink): the pages a record's text links to ([[case:…]], cases/wiki_links.py),
   its inline rows' text included, which "What links here" reads; rewritten when the record or
   one of those rows is saved or deleted;

and, last, the content version (cases/cache.py): any change moves it on once the transaction
commits, so no cached page outlives what it shows.

Writes that send no signals (bulk_create, queryset update(), a restore's raw loading) are
followed by `rebuild_all()`.
"""

from django.apps import apps
from django.db.models import Max, OuterRef, Q, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from reversion.signals import post_revision_commit

from cases import facet_index, search_index, versions, wiki_links
from cases.cache import bump_content_version
from cases.citations import render_markdown
from cases.models import (
    PAGE_LINK_TARGETS,
    CaseChallenge,
    CaseOrganization,
    CaseStudy,
    Challenge,
    Country,
    Objective,
    Organization,
    PageLink,
    Source,
    Status,
    StrengthFigure,
    TimelineEvent,
)

SEARCHABLE = (CaseStudy, Organization, Challenge, Source)
WITH_MARKDOWN = (CaseStudy, Organization, Challenge, CaseChallenge, TimelineEvent)
# Derived tables themselves: writing them is not a change of content.
UNTRACKED = {"contentversion", "searchdocument", "casestudyfacet", "pagelink", "datarelease"}


# -- 1. rendered text --------------------------------------------------------------------


def rendering_of(record):
    """The stored HTML of each of the record's Markdown fields."""
    return {name: render_markdown(getattr(record, name)) for name in record.markdown_fields}


def render_text(sender, instance, **kwargs):
    # Also for raw saves (a restore, a reverted version): the text is what is being written.
    instance.rendered = rendering_of(instance)


# -- 2 and 3. search documents and facet rows ----------------------------------------------


def index_record(sender, instance, raw=False, **kwargs):
    if raw:
        return  # loaded as it was (a restore): rebuild_all() follows the whole load
    search_index.index(instance)
    if sender is CaseStudy:
        facet_index.index(instance.pk)
        # Also here, for a restored version whose figures were written raw.
        refresh_peak_strength(instance.pk)


def unindex_record(sender, instance, **kwargs):
    search_index.unindex(instance)


def index_linked_case_study(sender, instance, origin=None, raw=False, **kwargs):
    """A role or a challenge met, saved or deleted: its case study's facet rows change."""
    if raw:
        return
    # Deleted because its case study is being deleted: the case study's rows go with it (a
    # cascade), and writing them again would leave rows pointing at a deleted case study.
    if isinstance(origin, CaseStudy) or getattr(origin, "model", None) is CaseStudy:
        return
    facet_index.index(instance.case_study_id)
    if sender is CaseOrganization:  # the organisation's name is in the case study's document
        search_index.index_case_studies([instance.case_study_id])


def index_m2m_change(sender, instance, action, reverse, pk_set, **kwargs):
    """Host countries or objectives added, removed or cleared, from either side."""
    if action == "pre_clear" and reverse:
        # Cleared from the other side (a country's case studies): remember whose rows change.
        link = next(field.name for field in sender._meta.fields if field.related_model is type(instance))
        cleared = sender.objects.filter(**{link: instance})
        instance._facet_cases_cleared = list(cleared.values_list("casestudy_id", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        facet_index.index(instance.pk)
        search_index.index_case_studies([instance.pk])
        return
    case_study_ids = pk_set if pk_set is not None else getattr(instance, "_facet_cases_cleared", [])
    for case_study_id in case_study_ids:
        facet_index.index(case_study_id)
    search_index.index_case_studies(case_study_ids)


def unindex_option(sender, instance, **kwargs):
    """A deleted country or objective takes its links with it, without a signal per link."""
    facet_index.unindex_option("country" if sender is Country else "objective", instance.pk)
    search_index.index_case_studies(getattr(instance, "_named_in_cases", []))


# What of a country, objective or organisation the documents of its case studies hold.
NAMED_FIELDS = {Country: ("name",), Objective: ("name",), Organization: ("name", "acronym", "status")}


def remember_names(sender, instance, raw=False, **kwargs):
    """Before a save: what the documents of the record's case studies hold of it now."""
    if raw or instance.pk is None:
        return
    instance._names_before = sender.objects.filter(pk=instance.pk).values_list(*NAMED_FIELDS[sender]).first()


def reindex_named_cases(sender, instance, created=False, raw=False, **kwargs):
    """After a save that changed a name (or an organisation's publication): rewrite its case studies' documents."""
    if raw or created:
        return
    now = tuple(getattr(instance, field) for field in NAMED_FIELDS[sender])
    if getattr(instance, "_names_before", now) == now:
        return
    search_index.index_case_studies(instance.case_studies.values_list("pk", flat=True))


def remember_named_cases(sender, instance, **kwargs):
    """Before a country or objective is deleted with its links: whose documents name it."""
    instance._named_in_cases = list(instance.case_studies.values_list("pk", flat=True))


# -- 4. peak strengths -----------------------------------------------------------------------


def peak_strength(kind):
    """
    The highest figure of one kind for the case study in the outer query (None without one).
    A figure counts only once its source is published: readers never see a draft source.
    """
    figures = StrengthFigure.objects.filter(case_study=OuterRef("pk"), kind=kind, source__status=Status.PUBLISHED)
    return Subquery(figures.values("case_study").annotate(peak=Max("number")).values("peak"))


def peak_strengths():
    """The derived peaks, by field, for an update() of case studies."""
    return {
        "peak_authorised_strength": peak_strength(StrengthFigure.Kind.AUTHORISED),
        "peak_deployed_strength": peak_strength(StrengthFigure.Kind.DEPLOYED),
    }


def refresh_peak_strength(case_study_id):
    CaseStudy.objects.filter(pk=case_study_id).update(**peak_strengths())


def strength_changed(sender, instance, origin=None, raw=False, **kwargs):
    if raw or isinstance(origin, CaseStudy):
        return
    refresh_peak_strength(instance.case_study_id)


def source_saved(sender, instance, raw=False, **kwargs):
    """A source published or withdrawn: the peaks of the case studies whose figures it supports."""
    if raw:
        return
    citing = StrengthFigure.objects.filter(source=instance).values("case_study_id")
    CaseStudy.objects.filter(pk__in=citing).update(**peak_strengths())


# -- 6. page links ---------------------------------------------------------------------------

# Each kind of linking record: the PageLink field naming it, and its inline rows with text.
LINKERS = {CaseStudy: "from_case_study", Organization: "from_organization", Challenge: "from_challenge"}
LINKED_ROWS = {CaseStudy: (CaseChallenge, TimelineEvent)}
TARGET_FIELDS = dict(zip(("case", "org", "challenge"), PAGE_LINK_TARGETS, strict=True))
# What a text holds when it links anywhere: the records worth reading when rebuilding.
LINK_OPENINGS = [f"[[{kind}:" for kind in wiki_links.KINDS]


def write_page_links(model, texts_by_id):
    """Replace the page links of some records of `model` with those their texts ({id: [text]}) hold."""
    linker = LINKERS[model]
    targets_by_id = {pk: wiki_links.linked_targets(*texts) for pk, texts in texts_by_id.items()}
    wanted = {target for targets in targets_by_id.values() for target in targets}
    ids = {}
    for kind, target_model in (("case", CaseStudy), ("org", Organization), ("challenge", Challenge)):
        slugs = {slug for target_kind, slug in wanted if target_kind == kind}
        if slugs:
            rows = target_model.objects.filter(slug__in=slugs).values_list("slug", "pk")
            ids |= {(kind, slug): pk for slug, pk in rows}
    PageLink.objects.filter(**{f"{linker}_id__in": list(texts_by_id)}).delete()
    PageLink.objects.bulk_create(
        PageLink(**{f"{linker}_id": pk, f"{TARGET_FIELDS[target[0]]}_id": ids[target]})
        for pk, targets in targets_by_id.items()
        for target in targets
        if target in ids  # a page deleted since the text was checked: nothing to link to
    )


def texts_of(model, ids):
    """{id: [every Markdown text its page shows]} for some records of `model`, in one query per table."""
    texts = {pk: [] for pk in ids}
    for record in model.objects.filter(pk__in=ids).only(*model.markdown_fields):
        texts[record.pk] += [getattr(record, name) for name in model.markdown_fields]
    for row_model in LINKED_ROWS.get(model, ()):
        for case_study_id, *row_texts in row_model.objects.filter(case_study_id__in=ids).values_list(
            "case_study_id", *row_model.markdown_fields
        ):
            texts[case_study_id] += row_texts
    return texts


def refresh_page_links(model, pk):
    write_page_links(model, texts_of(model, [pk]))


def linker_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return  # a restore's raw load: rebuild_all() follows it
    refresh_page_links(sender, instance.pk)


def linked_row_changed(sender, instance, origin=None, raw=False, **kwargs):
    """A challenge met or a timeline event saved or deleted: its case study's text changed."""
    if raw or isinstance(origin, CaseStudy) or getattr(origin, "model", None) is CaseStudy:
        return  # deleted with its case study, whose links go with it
    refresh_page_links(CaseStudy, instance.case_study_id)


def rebuild_page_links():
    """Every page link again, reading only the records whose text (or inline rows' text) links somewhere."""
    PageLink.objects.all().delete()
    for model in LINKERS:

        def linking(fields):
            condition = Q()
            for field in fields:
                for opening in LINK_OPENINGS:
                    condition |= Q(**{f"{field}__contains": opening})
            return condition

        ids = set(model.objects.filter(linking(model.markdown_fields)).values_list("pk", flat=True))
        for row_model in LINKED_ROWS.get(model, ()):
            linking_rows = row_model.objects.filter(linking(row_model.markdown_fields))
            ids |= set(linking_rows.values_list("case_study_id", flat=True))
        ids = sorted(ids)
        for start in range(0, len(ids), 500):
            write_page_links(model, texts_of(model, ids[start : start + 500]))


# -- all at once -----------------------------------------------------------------------------


def rebuild_all(*, render=True):
    """
    Derive everything again from the records, after writes that send no signals; `render=False`
    when those writes stored their rendered text themselves. Returns the number of search documents.
    """
    if render:
        for model in WITH_MARKDOWN:
            for record in model.objects.iterator(chunk_size=2000):
                model.objects.filter(pk=record.pk).update(rendered=rendering_of(record))
    CaseStudy.objects.update(**peak_strengths())
    count = search_index.rebuild()
    facet_index.rebuild()
    rebuild_page_links()
    bump_content_version()
    return count


def connect():
    for model in WITH_MARKDOWN:
        pre_save.connect(render_text, sender=model, dispatch_uid=f"render-{model._meta.label}")
    for model in SEARCHABLE:
        post_save.connect(index_record, sender=model, dispatch_uid=f"index-{model._meta.label}")
        post_delete.connect(unindex_record, sender=model, dispatch_uid=f"unindex-{model._meta.label}")
    for model in (CaseOrganization, CaseChallenge):
        post_save.connect(index_linked_case_study, sender=model, dispatch_uid=f"facets-save-{model._meta.label}")
        post_delete.connect(index_linked_case_study, sender=model, dispatch_uid=f"facets-delete-{model._meta.label}")
    for through in (CaseStudy.countries.through, CaseStudy.objectives.through):
        m2m_changed.connect(index_m2m_change, sender=through, dispatch_uid=f"facets-m2m-{through._meta.label}")
    for model in (Country, Objective):
        pre_delete.connect(remember_named_cases, sender=model, dispatch_uid=f"named-delete-{model._meta.label}")
        post_delete.connect(unindex_option, sender=model, dispatch_uid=f"facets-option-{model._meta.label}")
    post_revision_commit.connect(versions.snapshot_cited_sources, dispatch_uid="source-snapshot")
    for model in NAMED_FIELDS:
        pre_save.connect(remember_names, sender=model, dispatch_uid=f"named-before-{model._meta.label}")
        post_save.connect(reindex_named_cases, sender=model, dispatch_uid=f"named-after-{model._meta.label}")
    post_save.connect(strength_changed, sender=StrengthFigure, dispatch_uid="peak-strength-save")
    post_delete.connect(strength_changed, sender=StrengthFigure, dispatch_uid="peak-strength-delete")
    post_save.connect(source_saved, sender=Source, dispatch_uid="peak-strength-source")
    for model in LINKERS:
        post_save.connect(linker_saved, sender=model, dispatch_uid=f"page-links-{model._meta.label}")
    for model in (CaseChallenge, TimelineEvent):
        post_save.connect(linked_row_changed, sender=model, dispatch_uid=f"page-links-save-{model._meta.label}")
        post_delete.connect(linked_row_changed, sender=model, dispatch_uid=f"page-links-delete-{model._meta.label}")

    # Last, so that it sees every change above: any change to content is a new content version.
    for model in apps.get_app_config("cases").get_models():
        if model._meta.model_name in UNTRACKED:
            continue
        label = model._meta.label
        post_save.connect(bump_content_version, sender=model, dispatch_uid=f"version-save-{label}")
        post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"version-delete-{label}")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(bump_content_version, sender=through, dispatch_uid=f"version-m2m-{through._meta.label}")
