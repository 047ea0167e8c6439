from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django_filters.views import FilterView

from cases import bibliography, csl, exports, highwire, maps, reports, search, selectors, un_figures, versions
from cases.cache import computed_once_per_version
from cases.filters import CaseStudyFilter, SourceFilter
from cases.forms import ErrorReportForm
from cases.models import CaseStudy, Challenge, Organization, SearchDocument, Source
from cases.timeline import page_rows, timeline_chart, timeline_rows


def without_empty_values(query):
    """`?region=&organization=un` means the same as `?organization=un`."""
    if query is None:
        return None
    cleaned = query.copy()
    for name in list(cleaned):
        values = [value for value in cleaned.getlist(name) if value.strip()]
        if values:
            cleaned.setlist(name, values)
        else:
            del cleaned[name]
    return cleaned


def forgiving_page(request, queryset, per_page, page_kwarg="page"):
    """
    (paginator, page, message): a page number that is not a number, or past the end, shows a
    page, and the message says why.
    """
    paginator = Paginator(queryset, per_page)
    requested = request.GET.get(page_kwarg) or 1
    try:
        return paginator, paginator.page(requested), ""
    except PageNotAnInteger:
        return paginator, paginator.page(1), f"“{requested}” is not a page number; showing page 1."
    except EmptyPage:
        last = paginator.num_pages
        return paginator, paginator.page(last), f"There is no page {requested}; showing page {last}, the last."


def pagination_context(request, queryset, per_page):
    """What includes/pagination.html needs, for a page of a detail view's related rows."""
    paginator, page, message = forgiving_page(request, queryset, per_page)
    return {
        "page_obj": page,
        "is_paginated": page.has_other_pages(),
        "pagination_message": message,
        "query_without_page": query_without_page(request),
    }


def query_without_page(request, page_kwarg="page"):
    """The request's query string less the page number, for the links to other pages."""
    query = request.GET.copy()
    query.pop(page_kwarg, None)
    return query.urlencode()


class ForgivingPaginationMixin:
    """A page number that is not a number, or past the end, shows a page and says why."""

    def paginate_queryset(self, queryset, page_size):
        paginator, page, self.pagination_message = forgiving_page(self.request, queryset, page_size, self.page_kwarg)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pagination_message"] = getattr(self, "pagination_message", "")
        context["query_without_page"] = query_without_page(self.request, self.page_kwarg)
        return context


class CiteAsMixin:
    """
    A published record's page names the permanent address of its latest version as the one to
    cite: in "Cite this page" and in a `Link: <…>; rel="cite-as"` header (RFC 8574).
    """

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        latest = versions.latest_public(self.object, self.request)
        context["this_version"] = latest and {
            "number": latest[0],
            "date": latest[1],
            "url": settings.SITE_URL + versions.version_path(self.object, latest[0]),
        }
        context["history_url"] = versions.history_path(self.object)
        if isinstance(self.object, Source):
            context["citations"] = csl.source_citations(self.object)
            context["highwire"] = highwire.source_tags(self.object)
        else:
            context["citations"] = csl.page_citations(self.object, this_version=context["this_version"])
            cited = context["this_version"] or {
                "url": settings.SITE_URL + self.object.get_absolute_url(),
                "date": self.object.updated_at,
            }
            context["highwire"] = highwire.page_tags(
                self.object, title=csl.record_title(self.object), url=cited["url"], date=cited["date"]
            )
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if context["this_version"]:
            response["Link"] = f'<{context["this_version"]["url"]}>; rel="cite-as"'
        return response


class HomeView(TemplateView):
    template_name = "cases/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        published = CaseStudy.objects.published()
        # Full case studies first, then summaries, then facts only. With none featured, the
        # first entries of the list stand in (its own order, which an index keeps).
        context["featured"] = (
            published.filter(featured=True).for_list().in_reading_order("start_date", "title")
            or published.for_list().in_reading_order("title", "id")[:3]
        )
        context["recent"] = published.order_by("-updated_at")[:5]
        context["chart"] = timeline_chart(timeline_rows(published))
        # Counting every table is the costliest read of the page, and only an edit changes it.
        context["counts"] = computed_once_per_version("casebook-counts", selectors.casebook_counts, self.request)
        return context


# Case studies a page lists under its record (an organisation's, a challenge's), as many as the
# list shows: each is a card of links, and fifty of them cost more than the rest of the page.
RELATED_PER_PAGE = 20

# Browsers and proxies handle addresses of a few thousand characters; filters never need more.
MAX_REDIRECT_QUERY = 4000


class CaseStudyListView(ForgivingPaginationMixin, FilterView):
    filterset_class = CaseStudyFilter
    template_name = "cases/casestudy_list.html"
    paginate_by = 20
    # Invalid parameters are reported and ignored; the valid ones still filter.
    strict = False

    def get(self, request, *args, **kwargs):
        # A form sent without script sends every field, empty or not: the address readers keep,
        # share and cite names only the filters they chose.
        cleaned = without_empty_values(request.GET)
        query = cleaned.urlencode()
        # An address too long to send back is served as it came (its filters are checked anyway).
        if query != request.GET.urlencode() and len(query) <= MAX_REDIRECT_QUERY:
            return redirect(f"{request.path}?{query}" if query else request.path)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return CaseStudy.objects.published().for_list()

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["data"] = without_empty_values(kwargs["data"])
        return kwargs

    def paginate_queryset(self, queryset, page_size):
        return super().paginate_queryset(self.filterset.paginated(queryset), page_size)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.filterset.form
        context["filter_errors"] = [
            (form.fields[name].label if name in form.fields else name, errors) for name, errors in form.errors.items()
        ]
        context["facets"] = self.filterset.facets_cache
        context["chosen_contributors"] = self.filterset.active.get("contributor", [])
        context["chips"] = self.filterset.chips()
        context.update(self.search_hints())
        # Cards show the figure the list is sorted by.
        context["sort"] = self.filterset.form.cleaned_data.get("sort", "") if self.filterset.is_bound else ""
        # The timeline draws the results on this page: it stays short, above what it depicts.
        context["chart"] = timeline_chart(page_rows(context["object_list"]))
        context["map"] = maps.host_country_map(
            self.filterset.host_country_counts(),
            self.request.GET,
            filtering_by_country="country" in self.filterset.active,
        )
        return context

    def search_hints(self):
        """A "did you mean" (the same filters, the search corrected) and whether the search matched any word."""
        search = self.filterset.case_study_search
        if not search:
            return {}
        hints = {"matched_any": search.matched_any, "suggestion": search.suggestion}
        if search.suggestion:
            corrected = self.request.GET.copy()
            corrected["q"] = search.suggestion
            corrected.pop(self.page_kwarg, None)
            hints["suggestion_href"] = "?" + corrected.urlencode()
        return hints


class CaseStudyDetailView(CiteAsMixin, DetailView):
    template_name = "cases/casestudy_detail.html"
    context_object_name = "case"

    def get_object(self, queryset=None):
        return selectors.case_study_for_page(self.kwargs["slug"], self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        fatalities = un_figures.mission_fatalities(self.object)
        context.update(selectors.case_study_page(self.object, fatalities=fatalities))
        context["cite"] = bibliography.cite_case_study(self.object)
        context["structured_data"] = selectors.case_study_structured_data(self.object)
        context["see_also"] = selectors.see_also(self.object)
        context["linked_from"] = selectors.what_links_here(self.object)
        context["map"] = maps.host_countries_map(self.object)
        return context


class CountryListView(TemplateView):
    """Every country with an operation hosted or contributed to, on a map and in a table."""

    template_name = "cases/country_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Counting every host and contribution row is the costliest read here; only an edit changes it.
        counts = computed_once_per_version("country-counts", selectors.country_counts, self.request)
        context["countries"] = selectors.country_list(counts)
        context["map"] = maps.hosts_map(context["countries"])
        return context


class CountryDetailView(DetailView):
    """A country: the operations it hosted and those it contributed to."""

    template_name = "cases/country_detail.html"
    context_object_name = "country"

    def get(self, request, *args, **kwargs):
        # One address per country: its ISO code in capitals, as everywhere on the site.
        if kwargs["code"] != kwargs["code"].upper():
            return redirect("cases:country_detail", code=kwargs["code"].upper(), permanent=True)
        return super().get(request, *args, **kwargs)

    def get_object(self, queryset=None):
        return selectors.country_for_page(self.kwargs["code"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.country_page(self.object))
        context["map"] = maps.country_locator(self.object)
        # The UN's own figures, from its open data where imported (cases/un_data.py).
        context["un_contributions"] = un_figures.country_contributions(self.object)
        context["nationals_fatalities"] = un_figures.nationals_fatalities(self.object)
        return context


class OrganizationListView(ListView):
    template_name = "cases/organization_list.html"
    context_object_name = "organizations"

    def get_queryset(self):
        return selectors.organization_list()


class OrganizationDetailView(CiteAsMixin, DetailView):
    template_name = "cases/organization_detail.html"
    context_object_name = "organization"

    def get_queryset(self):
        return Organization.objects.visible_to(self.request.user).prefetch_related("members")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.record_page(self.object))
        context.update(
            pagination_context(self.request, selectors.case_studies_of_organization(self.object), RELATED_PER_PAGE)
        )
        context["linked_from"] = selectors.what_links_here(self.object)
        return context


class ChallengeListView(ListView):
    template_name = "cases/challenge_list.html"
    context_object_name = "challenges"

    def get_queryset(self):
        return selectors.challenge_list()


class ChallengeDetailView(CiteAsMixin, DetailView):
    template_name = "cases/challenge_detail.html"
    context_object_name = "challenge"

    def get_queryset(self):
        return Challenge.objects.visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.record_page(self.object))
        context.update(pagination_context(self.request, selectors.case_challenges_of(self.object), RELATED_PER_PAGE))
        context["linked_from"] = selectors.what_links_here(self.object)
        return context


class SourceListView(ForgivingPaginationMixin, FilterView):
    """The bibliography, searched and filtered by kind, publisher and years (cases/filters.py)."""

    filterset_class = SourceFilter
    template_name = "cases/source_list.html"
    context_object_name = "sources"
    paginate_by = 100
    # Invalid parameters are reported and ignored; the valid ones still filter.
    strict = False

    def get_queryset(self):
        return Source.objects.published()

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["data"] = without_empty_values(kwargs["data"])
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset, labels = self.filterset, dict(Source.Kind.choices)
        form = filterset.form
        counts = filterset.kind_counts()
        # The whole bibliography by kind, for the downloads of one kind.
        context["kinds"] = computed_once_per_version("source-kinds", source_kind_counts, self.request)
        context["kind_options"] = [
            {
                "kind": kind,
                "label": label,
                "count": counts.get(kind, 0),
                "chosen": kind in filterset.active.get("kind", []),
            }
            for kind, label in labels.items()
        ]
        context["filter_errors"] = [
            (form.fields[name].label if name in form.fields else name, errors) for name, errors in form.errors.items()
        ]
        context["filter_notes"] = filterset.notes
        context["filtered"] = bool(filterset.active)
        context["matched_any"] = filterset.source_search.matched_any if "q" in filterset.active else False
        return context


def source_kind_counts():
    """[{kind, label, count}] of the published sources, every kind that has one."""
    labels = dict(Source.Kind.choices)
    rows = Source.objects.published().values("kind").annotate(count=Count("id")).order_by("kind")
    return [{"kind": row["kind"], "label": labels.get(row["kind"], row["kind"]), "count": row["count"]} for row in rows]


class SourceDetailView(CiteAsMixin, DetailView):
    template_name = "cases/source_detail.html"
    context_object_name = "source"
    slug_field = "key"
    slug_url_kwarg = "key"

    def get_queryset(self):
        return Source.objects.visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.source_citing_records(self.object))
        return context


# Each kind of versioned record: the plural shown in breadcrumbs and the name of its list's URL.
VERSIONED_KINDS = {
    CaseStudy: ("Case studies", "cases:list"),
    Organization: ("Organisations", "cases:organization_list"),
    Challenge: ("Challenges", "cases:challenge_list"),
    Source: ("Sources", "cases:source_list"),
}


class VersionedRecordMixin:
    """The live record a version or history page belongs to: published, or any for staff."""

    model = None
    lookup = "slug"

    def get_record(self):
        records = self.model.objects.visible_to(self.request.user)
        return get_object_or_404(records, **{self.lookup: self.kwargs[self.lookup]})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plural, list_url_name = VERSIONED_KINDS[self.model]
        context["kind"] = {"plural": plural, "list_url": reverse(list_url_name)}
        return context


class RecordVersionView(VersionedRecordMixin, TemplateView):
    """One public version of a record, as it was published, at its permanent address."""

    def get_template_names(self):
        return [f"cases/{self.model._meta.model_name}_version.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.get_record()
        context.update(versions.version_page(record, self.kwargs["number"]))
        context["this_version"] = {"number": context["version"].number, "url": context["version"].permanent_url}
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response["Link"] = f'<{context["this_version"]["url"]}>; rel="cite-as"'
        return response


class RecordHistoryView(VersionedRecordMixin, TemplateView):
    """A record's public versions, newest first, with what changed; any two compared on request."""

    template_name = "cases/record_history.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.get_record()
        context.update({"record": record, "entries": versions.public_history(record)})
        if "from" in self.request.GET or "to" in self.request.GET:
            context["comparison"], context["comparison_message"] = versions.comparison(
                record, self.request.GET.get("from"), self.request.GET.get("to")
            )
        return context


class SearchView(TemplateView):
    """
    Hits grouped by kind, the best of each; with `kind=`, every hit of that kind, page by page
    (an unknown kind shows the groups).
    """

    template_name = "cases/search.html"
    hits_per_page = 20

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "")
        messages = []
        if len(query) > search.MAX_QUERY_LENGTH:
            messages.append(f"Your search was shortened to its first {search.MAX_QUERY_LENGTH} characters.")
        terms = search.parse_query(query)
        if query.strip() and not terms:
            messages.append("Type at least one word or number to search for.")
        kind_labels = dict(SearchDocument.Kind.choices)
        kind = self.request.GET.get("kind", "")
        context.update(
            {
                "query": query[: search.MAX_QUERY_LENGTH],
                "messages_for_query": messages,
                "searched": bool(terms),
                "groups": {},
                "kind": kind if kind in kind_labels else "",
            }
        )
        if not terms:
            return context
        if context["kind"]:
            hits = search.KindHits(query, kind)
            context.update(pagination_context(self.request, hits, self.hits_per_page))
            context.update(kind_label=kind_labels[kind], matched_any=hits.matched_any, suggestion=None)
        else:
            results = search.search_all(query, request=self.request)
            context.update(groups=results.groups, matched_any=results.matched_any, suggestion=results.suggestion)
        return context


class CaseStudyExportView(View):
    """The list's current filters, as CSV or JSON: same parameters as /cases/."""

    def get(self, request, fmt):
        filterset = CaseStudyFilter(
            without_empty_values(request.GET), queryset=CaseStudy.objects.published(), request=request
        )
        filterset.is_valid()  # invalid parameters are ignored, as on the page
        # Streamed a batch at a time: memory stays flat whatever the size of the casebook. Each
        # stream is a generator, which the response closes when the reader goes away, ending the
        # export's database snapshot before the request's end returns the connection.
        rows = exports.case_study_rows(filterset.qs)
        name = exports.download_name(filterset, fmt)
        if fmt == "csv":
            response = StreamingHttpResponse(exports.csv_lines(rows), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}"'
        else:
            response = StreamingHttpResponse(exports.json_chunks(rows), content_type="application/json")
            response["Content-Disposition"] = f'inline; filename="{name}"'
        return response


class BibliographyExportView(View):
    """Sources as BibTeX, RIS or CSL-JSON: one, chosen keys (?key=...), or the bibliography as /sources/ filters it."""

    # fmt -> (writer, content type)
    FORMATS = {
        "bib": (bibliography.sources_to_bibtex, "application/x-bibtex; charset=utf-8"),
        "ris": (bibliography.sources_to_ris, "application/x-research-info-systems; charset=utf-8"),
        "json": (csl.sources_to_csl_json, f"{csl.CSL_JSON_CONTENT_TYPE}; charset=utf-8"),
    }

    def get(self, request, fmt, key=None):
        sources = Source.objects.published()
        if key is not None:
            sources = sources.filter(key=key)
            if not sources:
                raise Http404("No such source.")
            name = f"{key}.{fmt}"
        else:
            if request.GET.getlist("key"):
                sources = sources.filter(key__in=request.GET.getlist("key")[:500])
            # The bibliography's own filters, as /sources/ reads them (values it cannot read are ignored).
            filterset = SourceFilter(without_empty_values(request.GET), queryset=sources, request=request)
            sources = filterset.qs
            name = exports.download_name(filterset, fmt, subject="sources")
        write, content_type = self.FORMATS[fmt]
        response = HttpResponse(write(sources.order_by("key")), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class CaseStudyCitationView(View):
    """'Cite this page' as a BibTeX file."""

    def get(self, request, slug):
        case = get_object_or_404(CaseStudy.objects.published(), slug=slug)
        bibtex = bibliography.cite_case_study(case)["bibtex"]
        response = HttpResponse(bibtex, content_type="application/x-bibtex; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="casebook-{case.slug}.bib"'
        return response


class CompareView(TemplateView):
    """
    Two to four case studies side by side. The picker's button is named `compare`: only a
    submitted choice of fewer than two is an error; opening the page, or arriving with one case
    study chosen (its page's "Compare with…"), asks for the others instead.
    """

    template_name = "cases/compare.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        result = selectors.comparison(self.request.GET.getlist("cases"))
        problems, prompt = result.problems, ""
        if len(result.cases) < 2:
            if "compare" in self.request.GET:
                problems.append("Choose at least two case studies to compare.")
            elif result.cases:
                prompt = f"{result.cases[0].title} is chosen: choose one to three more to compare it with."
            else:
                prompt = "Choose two to four case studies to compare."
        compared = len(result.cases) >= 2
        choices = list(selectors.compare_choices())
        context.update(
            {
                "cases": result.cases,
                "rows": result.rows if compared else [],
                "charts": result.charts if compared else [],
                "references": result.references,
                "problems": problems,
                "prompt": prompt,
                # A list of thousands of checkboxes helps nobody: beyond a few hundred, the
                # picker keeps the chosen ones and points to the list's own "Add to comparison".
                "choices": choices[: selectors.MAX_PICKER_CHOICES],
                "choices_truncated": len(choices) > selectors.MAX_PICKER_CHOICES,
                "chosen": [case.slug for case in result.cases],
                "unverified": any(case.unverified_facts for case in result.cases),
                "editorial_policy_url": selectors.EDITORIAL_POLICY_URL,
            }
        )
        return context


# Never cached: the form carries this reader's CSRF token. Public pages link here instead of
# holding the form themselves, so that they stay cacheable and never carry a stale token.
@method_decorator(never_cache, name="dispatch")
class ErrorReportView(FormView):
    """Report an error or suggest a source, about the page the reader came from (`?page=`)."""

    template_name = "cases/report.html"
    form_class = ErrorReportForm

    def get_initial(self):
        return {"page": reports.local_page(self.request.GET.get("page"))}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        page = reports.local_page(form["page"].value())
        record, number = reports.record_on_page(page, self.request) if page else (None, None)
        context.update({"page": page, "record": record, "version_number": number})
        return context

    def form_valid(self, form):
        sender = reports.sender_of(self.request)
        if reports.over_the_limit(sender):
            context = self.get_context_data(form=form, rate_limited=True)
            return self.render_to_response(context, status=429)
        page = reports.local_page(form.cleaned_data["page"])
        reports.store_report(
            page=page,
            message=form.cleaned_data["message"],
            source=form.cleaned_data["source"],
            email=form.cleaned_data["email"],
            sender=sender,
            request=self.request,
        )
        return redirect(reverse("cases:report_sent") + ("?" + urlencode({"page": page}) if page else ""))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ErrorReportSentView(TemplateView):
    template_name = "cases/report_sent.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page"] = reports.local_page(self.request.GET.get("page"))
        return context


def robots_txt(request):
    sitemap = settings.SITE_URL + reverse("cases:sitemap")
    lines = ["User-agent: *", "Disallow: /admin/", f"Sitemap: {sitemap}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
