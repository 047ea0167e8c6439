"""
Atom feed of published changes, and the sitemap: both list published records only. Every
address in them is absolute and starts with SITE_URL, never with the Host of the request that
happened to fill the cache.
"""

from itertools import chain
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.syndication.views import Feed
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from cases.models import CaseStudy, Challenge, Contribution, Country, Organization, Source, published
from cases.search_index import plain_text

FEED_LENGTH = 50


class LatestChangesFeed(Feed):
    feed_type = Atom1Feed
    title = "Peacekeeping Casebook: latest changes"
    subtitle = "Case studies, organisations and challenges as they are published or updated."

    def link(self):
        return f"{settings.SITE_URL}/"

    def feed_url(self):
        return f"{settings.SITE_URL}{reverse('cases:feed')}"

    def items(self):
        recent = [
            model.objects.published().order_by("-updated_at")[:FEED_LENGTH]
            for model in (CaseStudy, Organization, Challenge)
        ]
        return sorted(chain(*recent), key=lambda record: record.updated_at, reverse=True)[:FEED_LENGTH]

    def item_title(self, item):
        return str(item)

    def item_link(self, item):
        return settings.SITE_URL + item.get_absolute_url()

    def item_description(self, item):
        return plain_text(item.summary)[:500]

    def item_updateddate(self, item):
        return item.updated_at

    def item_pubdate(self, item):
        return item.published_at or item.updated_at

    def item_guid(self, item):
        return f"{settings.SITE_URL}{item.get_absolute_url()}#updated-{item.updated_at:%Y%m%d%H%M%S}"


class PublishedSitemap(Sitemap):
    model = None
    changefreq = "monthly"

    def items(self):
        return self.model.objects.published().order_by("pk").only("pk", "updated_at", *self.url_fields)

    def lastmod(self, item):
        return item.updated_at

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class CaseStudySitemap(PublishedSitemap):
    model = CaseStudy
    url_fields = ["slug"]
    priority = 0.8


class OrganizationSitemap(PublishedSitemap):
    model = Organization
    url_fields = ["slug"]


class ChallengeSitemap(PublishedSitemap):
    model = Challenge
    url_fields = ["slug"]


class SourceSitemap(PublishedSitemap):
    model = Source
    url_fields = ["key"]
    priority = 0.3


class AboutSitemap(PublishedSitemap):
    """The pages that say what the casebook is: fixed text, no record behind them."""

    changefreq = "yearly"
    priority = 0.4

    def items(self):
        return ["cases:about", "cases:methodology", "cases:editorial_policy"]

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        return None


class CountrySitemap(PublishedSitemap):
    """Country pages: those of the countries with a published operation hosted or contributed to."""

    changefreq = "monthly"
    priority = 0.5

    def items(self):
        hosts = CaseStudy.countries.through.objects.filter(published("casestudy"), country=OuterRef("pk"))
        contributors = Contribution.objects.filter(published("case_study"), country=OuterRef("pk"))
        return Country.objects.filter(Exists(hosts) | Exists(contributors)).order_by("code").only("code")

    def lastmod(self, item):
        return None


SITEMAPS = {
    "about": AboutSitemap,
    "cases": CaseStudySitemap,
    "organizations": OrganizationSitemap,
    "challenges": ChallengeSitemap,
    "sources": SourceSitemap,
    "countries": CountrySitemap,
}
