"""Researchers' downloads: labelled CSV, telling file names, datapackage.json, the versioned dump."""

import csv
import datetime
import hashlib
import io
import json

import frictionless
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Status
from tests.factories import make_case
from tests.test_filters import casebook  # noqa: F401  (the shared three-mission casebook)

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today().isoformat()


def served(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


def package_with_local_files(client, directory, **filters):
    """datapackage.json as served, its downloads fetched as served and saved beside it."""
    descriptor = json.loads(served(client, reverse("downloads:datapackage")))
    local = {
        "case-studies": ("case-studies.csv", served(client, reverse("cases:export", args=["csv"]), **filters)),
        "case-studies-json": ("case-studies.json", served(client, reverse("cases:export", args=["json"]), **filters)),
        "casebook-dump": ("casebook.json", b"".join(client.get(reverse("downloads:dump_latest"), follow=True))),
    }
    for resource in descriptor["resources"]:
        name, content = local[resource["name"]]
        (directory / name).write_bytes(content)
        resource["path"] = name
    (directory / "datapackage.json").write_text(json.dumps(descriptor))
    return descriptor, directory / "datapackage.json"


@pytest.mark.parametrize("filters", [{}, {"organization": "un", "organization_role": "any"}, {"region": "atlantis"}])
def test_the_downloads_are_valid_against_their_datapackage(client, casebook, tmp_path, filters):  # noqa: F811
    _, path = package_with_local_files(client, tmp_path, **filters)
    report = frictionless.validate(str(path))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])


def test_a_download_that_breaks_its_description_fails_validation(client, casebook, tmp_path):  # noqa: F811
    _, path = package_with_local_files(client, tmp_path)
    text = (tmp_path / "case-studies.csv").read_text(encoding="utf-8-sig")
    (tmp_path / "case-studies.csv").write_text(text.replace(",africa,", ",atlantis,", 1), encoding="utf-8-sig")
    report = frictionless.validate(str(path))
    assert not report.valid
    assert report.flatten(["type", "fieldName"]) == [["constraint-error", "region"]]


def test_every_csv_column_is_described_with_a_type_and_a_meaning(client, casebook, tmp_path):  # noqa: F811
    descriptor, _ = package_with_local_files(client, tmp_path)
    (resource,) = [r for r in descriptor["resources"] if r["name"] == "case-studies"]
    header = next(csv.reader(io.StringIO((tmp_path / "case-studies.csv").read_text(encoding="utf-8-sig"))))
    fields = {field["name"]: field for field in resource["schema"]["fields"]}
    assert list(fields) == header
    assert all(field["type"] and len(field["description"]) > 10 for field in fields.values())
    assert fields["region"]["constraints"]["enum"] == [
        "africa",
        "americas",
        "asia",
        "europe",
        "middle-east",
        "oceania",
    ]
    assert fields["peak_authorised_strength"]["unit"] == "persons"
    assert fields["peak_authorised_strength"]["type"] == "integer"


def test_csv_codes_carry_their_labels(client, casebook):  # noqa: F811
    text = served(client, reverse("cases:export", args=["csv"])).decode("utf-8-sig")
    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO(text))}
    kfor = rows["kosovo-kfor"]
    assert (kfor["region"], kfor["region_label"]) == ("europe", "Europe")
    assert (kfor["mandate_type"], kfor["mandate_type_label"]) == ("enforcement", "Enforcement / stabilisation")
    assert (kfor["outcome"], kfor["outcome_label"]) == ("ongoing", "Ongoing")
    assert (kfor["countries"], kfor["country_names"]) == ("XK", "Kosovo")
    assert kfor["organizations"] == "nato (lead); un (authorising)"
    assert kfor["organization_names"] == "Organisation nato (lead); Organisation un (authorising)"
    assert kfor["challenge_names"] == "Asymmetric threats; Host state consent"


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({}, f"casebook-case-studies-{TODAY}"),
        ({"organization": "un", "region": "africa"}, f"casebook-case-studies-organization-un-region-africa-{TODAY}"),
        (
            {"region": ["europe", "africa"], "organization": "un", "organization_role": "authorising"},
            f"casebook-case-studies-organization-un-organization_role-authorising-region-europe-africa-{TODAY}",
        ),
        (
            {"country": "sl", "q": "Sierra Leone!", "sort": "-start"},
            f"casebook-case-studies-q-sierra-leone-country-sl-{TODAY}",
        ),
        ({"region": "atlantis", "ongoing": "true"}, f"casebook-case-studies-ongoing-true-{TODAY}"),
    ],
)
def test_file_names_say_what_was_filtered(client, casebook, query, name):  # noqa: F811
    for fmt in ["csv", "json"]:
        response = client.get(reverse("cases:export", args=[fmt]), query)
        assert f'filename="{name}.{fmt}"' in response["Content-Disposition"]


def dump_of(client, number):
    response = client.get(reverse("downloads:dump", args=[number]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="casebook-{number}.json"'
    return b"".join(response.streaming_content)


def release():
    out = io.StringIO()
    call_command("release_data", stdout=out)
    return out.getvalue()


def test_the_dump_is_versioned_with_a_checksum_and_a_changelog(client, casebook, django_capture_on_commit_callbacks):  # noqa: F811
    assert client.get(reverse("downloads:dump_latest")).status_code == 404  # nothing released yet
    assert "No version has been released yet" in client.get(reverse("downloads:index")).content.decode()
    assert release() == "Released casebook-1.json.\n"
    latest = client.get(reverse("downloads:dump_latest"))
    assert latest.status_code == 302 and latest["Location"] == reverse("downloads:dump", args=[1])
    first = dump_of(client, 1)
    checksum = client.get(reverse("downloads:dump_checksum", args=[1])).content.decode()
    assert checksum == f"{hashlib.sha256(first).hexdigest()}  casebook-1.json\n"
    document = json.loads(first)
    assert document["version"] == 1
    assert sorted(case["slug"] for case in document["case_studies"]) == [
        "kosovo-kfor",
        "sierra-leone-unamsil",
        "somalia-amisom",
    ]
    assert {org["slug"] for org in document["organizations"]} == {"un", "nato", "au"}

    with django_capture_on_commit_callbacks(execute=True):
        make_case("another-draft", status=Status.DRAFT)
    assert "nothing released" in release(), "drafts are no change"
    assert client.get(reverse("downloads:dump_latest"))["Location"].endswith("casebook-1.json")

    with django_capture_on_commit_callbacks(execute=True):
        make_case("new-mission", title="New mission")
    assert release() == "Released casebook-2.json.\n"
    assert client.get(reverse("downloads:dump_latest"))["Location"].endswith("casebook-2.json")
    assert dump_of(client, 1) == first, "a version never changes"
    second = json.loads(dump_of(client, 2))
    assert second["counts"]["case_studies"] == 4

    changelog = client.get(reverse("downloads:changelog")).json()["versions"]
    assert [version["version"] for version in changelog] == [2, 1]
    assert changelog[0]["changes"]["case_studies"] == {"added": ["new-mission"], "removed": [], "changed": []}
    assert changelog[0]["sha256"] == hashlib.sha256(dump_of(client, 2)).hexdigest()
    assert client.get(reverse("downloads:dump", args=[3])).status_code == 404
    etag = client.get(reverse("downloads:dump", args=[1]))["ETag"]
    assert client.get(reverse("downloads:dump", args=[1]), headers={"if-none-match": etag}).status_code == 304


def test_the_downloads_page_lists_the_files_in_a_fixed_number_of_queries(client, casebook):  # noqa: F811
    url = reverse("downloads:index")
    release()
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    html = response.content.decode()
    assert "casebook-1.json" in html and "datapackage.json" in html and "Changelog" in html
    for number in range(3):
        make_case(f"more-{number}")
        release()
    with CaptureQueriesContext(connection) as more:
        assert "casebook-4.json" in client.get(url).content.decode()
    assert len(more) == len(few)
