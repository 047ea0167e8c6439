"""
Researchers' downloads under /downloads/: the page that lists them, the datapackage.json that
describes them, and the versioned full dump with its checksum and changelog.
"""

import gzip
import io

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.generic import TemplateView

from cases import datapackage
from cases.models import DataRelease

app_name = "downloads"

CHANGELOG_LENGTH = 20


def release_summary(release):
    """What the changelog says of one version."""
    return {
        "version": release.number,
        "released_at": release.released_at.isoformat(),
        "url": settings.SITE_URL + reverse("downloads:dump", args=[release.number]),
        "sha256": release.sha256,
        "counts": release.counts,
        "changes": release.changes,
    }


def changelog_releases():
    """The versions, newest first (`manage.py release_data` makes them)."""
    return DataRelease.objects.defer("data", "record_hashes").order_by("-number")


class DownloadsView(TemplateView):
    template_name = "cases/downloads.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        versions = list(changelog_releases()[:CHANGELOG_LENGTH])
        latest = versions[0] if versions else None
        context.update({"latest": latest, "versions": versions, "columns": datapackage.COLUMNS})
        return context


def datapackage_json(request):
    return JsonResponse(datapackage.descriptor(), json_dumps_params={"indent": 1, "ensure_ascii": False})


def changelog_json(request):
    return JsonResponse(
        {"versions": [release_summary(release) for release in changelog_releases()]},
        json_dumps_params={"indent": 1, "ensure_ascii": False},
    )


def dump_latest(request):
    latest = changelog_releases().first()
    if latest is None:
        raise Http404("No version of the casebook has been released yet.")
    return redirect("downloads:dump", latest.number)


def dump(request, number):
    release = get_object_or_404(DataRelease, number=number)
    # Streamed as it is decompressed, and so kept out of the page cache: the file is stored already.
    response = StreamingHttpResponse(_decompressed(release.data), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{release.file_name}"'
    # A version never changes: its checksum is its tag.
    response["ETag"] = f'"{release.sha256}"'
    return response


def _decompressed(data, chunk_size=256 * 1024):
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as file:
        while chunk := file.read(chunk_size):
            yield chunk


def dump_checksum(request, number):
    """The checksum in the form `sha256sum --check` reads."""
    release = get_object_or_404(DataRelease.objects.defer("data", "record_hashes"), number=number)
    response = HttpResponse(f"{release.sha256}  {release.file_name}\n", content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{release.file_name}.sha256"'
    return response


urlpatterns = [
    path("", DownloadsView.as_view(), name="index"),
    path("datapackage.json", datapackage_json, name="datapackage"),
    path("changelog.json", changelog_json, name="changelog"),
    path("casebook-latest.json", dump_latest, name="dump_latest"),
    path("casebook-<int:number>.json", dump, name="dump"),
    path("casebook-<int:number>.json.sha256", dump_checksum, name="dump_checksum"),
]
