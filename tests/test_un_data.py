"""Importing the UN Peace and Security Data Hub's datasets as the hub publishes them."""

import csv
import datetime
import json
import re

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import CaseStudy, Fatality, Source, Status, UNContribution, UNDataset, UNOperation
from cases.un_data import (
    UNDataError,
    case_study_for,
    import_un_data,
    missions_by_acronym,
    relink_un_data,
)
from cases.un_figures import mission_fatalities, nationals_fatalities
from tests.factories import make_case, make_country

pytestmark = pytest.mark.django_db

FATALITY_COLUMNS = [
    "id",
    "incident_date",
    "casualty_id",
    "mission_acronym",
    "type_of_casualty",
    "gender",
    "casualty_nationality",
    "casualty_personnel_type",
    "type_of_incident",
    "m49_code",
    "isocode3",
    "last_update",
]

# Rows written the way the hub writes them, quirks included (its last_update column is added on writing).
FATALITIES = list(
    csv.reader(
        """\
1,1957-01-23,UNEF-1957-01-11565,UNEF,Fatality,M,Sweden,Military,Accident,752.0,SWE
2,1960-05-01,UNEF-1960-05-00001,UNEF,Fatality,M,Yugoslavia,Military,Illness,890.0,YUG
3,1974-02-01,UNEF-1974-02-00002,UNEF,Fatality,,Canada,Local ,Malicious Act,124.0,CAN
4,1961-05-22,UNEF-1961-05-11492,UNEF,Fatality,M,ZZ [Undetermined],Local ,Accident,,
5,2005-05-03,UNOCI-2005-05-04528,UNOCI,Fatality,F,Côte dIvoire,Local ,Self-Inflicted,,
6,2010-01-12,UNAMA-2010-01-00003,UNAMA,Fatality,M,France,International Civilian,To Be Determined,250.0,FRA
7,2003-05-05,UNMIK-2003-05-03589,UNMIK,Fatality,,Montenegro,Local ,Illness,499.0,MNE
8,2003-05-05,UNMIK-2003-05-03589,UNMIK,Fatality,,Serbia and Montenegro,Local ,Illness,891.0,SCG
""".splitlines()
    )
)


# When the hub last updated the datasets that carry no last_update column of their own.
HUB_UPDATE = datetime.date(2023, 12, 4)


def write_csv(path, rows, columns=FATALITY_COLUMNS, last_update="2023-11-28"):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([*row, last_update] if "last_update" in columns else row)
    return path


def epoch_ms(iso_date):
    moment = datetime.datetime.combine(datetime.date.fromisoformat(iso_date), datetime.time(), datetime.UTC)
    return int(moment.timestamp() * 1000)


def write_json(path, rows):
    """The hub's JSON: a list of objects, dates in milliseconds since 1970, codes as numbers, null when empty."""
    objects = []
    for row in rows:
        values = dict(zip(FATALITY_COLUMNS, [*row, "2023-11-28"], strict=True))
        values["id"] = int(values["id"])
        values["incident_date"] = epoch_ms(values["incident_date"])
        values["last_update"] = epoch_ms(values["last_update"])
        values["m49_code"] = float(values["m49_code"]) if values["m49_code"] else None
        values["isocode3"] = values["isocode3"] or None
        objects.append(values)
    path.write_text(json.dumps(objects), encoding="utf-8")
    return path


@pytest.fixture
def missions(db):
    """The casebook's UNEF I and II and UNOCI; and countries some rows name."""
    for code, name in [
        ("SE", "Sweden"),
        ("CA", "Canada"),
        ("CI", "Côte d'Ivoire"),
        ("FR", "France"),
        ("ME", "Montenegro"),
    ]:
        make_country(code, name)
    return {
        "UNEF I": make_case(
            acronym="UNEF I", start_date=datetime.date(1956, 11, 5), end_date=datetime.date(1967, 6, 1)
        ),
        "UNEF II": make_case(
            acronym="UNEF II", start_date=datetime.date(1973, 10, 25), end_date=datetime.date(1979, 7, 24)
        ),
        "UNOCI": make_case(acronym="UNOCI", start_date=datetime.date(2004, 2, 27), end_date=datetime.date(2017, 6, 30)),
    }


def by_casualty(casualty_id):
    return Fatality.objects.get(casualty_id=casualty_id)


# -- telling missions apart -----------------------------------------------------------------------


def test_one_acronym_for_several_missions_is_told_apart_by_date(missions):
    index = missions_by_acronym(CaseStudy.objects.all())
    unef_i, unef_ii = missions["UNEF I"].pk, missions["UNEF II"].pk
    assert case_study_for("UNEF", datetime.date(1957, 1, 23), index) == unef_i
    assert case_study_for("UNEF", datetime.date(1974, 2, 1), index) == unef_ii
    # After UNEF II's end, and between the two missions: the one that had begun last.
    assert case_study_for("UNEF", datetime.date(1980, 1, 1), index) == unef_ii
    assert case_study_for("UNEF", datetime.date(1970, 1, 1), index) == unef_i
    # Before either began: the first.
    assert case_study_for("UNEF", datetime.date(1955, 1, 1), index) == unef_i
    # Each is also found by its own acronym, whatever the date.
    assert case_study_for("UNEF II", datetime.date(1957, 1, 1), index) == unef_ii
    # Spaces and case as published do not matter; an acronym the casebook lacks has no case study.
    assert case_study_for(" unoci ", datetime.date(2005, 1, 1), index) == missions["UNOCI"].pk
    assert case_study_for("UNAMA", datetime.date(2010, 1, 1), index) is None


# -- fatalities -----------------------------------------------------------------------------------


def test_every_quirk_of_the_published_file(missions, tmp_path):
    report = import_un_data(write_csv(tmp_path / "fatalities.csv", FATALITIES), "fatalities")

    assert Fatality.objects.count() == len(FATALITIES)
    sweden = by_casualty("UNEF-1957-01-11565")
    assert (sweden.m49_code, sweden.iso3_code, sweden.nationality_country.code) == ("752", "SWE", "SE")
    assert sweden.case_study == missions["UNEF I"]
    local = by_casualty("UNEF-1974-02-00002")
    assert (local.personnel_type, local.incident_type, local.gender) == ("local", "malicious_act", "")
    assert local.case_study == missions["UNEF II"]
    yugoslavia = by_casualty("UNEF-1960-05-00001")
    assert (yugoslavia.nationality, yugoslavia.m49_code, yugoslavia.nationality_country) == ("Yugoslavia", "890", None)
    undetermined = by_casualty("UNEF-1961-05-11492")
    assert (undetermined.nationality, undetermined.m49_code, undetermined.nationality_country) == (
        "ZZ [Undetermined]",
        "",
        None,
    )
    # Published without codes: recognised by name, apostrophe or not.
    assert by_casualty("UNOCI-2005-05-04528").nationality_country.code == "CI"
    # A special political mission the casebook has no entry for: kept, unlinked, reported.
    assert by_casualty("UNAMA-2010-01-00003").case_study is None
    assert report.unmatched == {"UNAMA": 1, "UNMIK": 2}
    # One person listed under two nationalities: both rows kept, reported, and counted once.
    assert Fatality.objects.filter(casualty_id="UNMIK-2003-05-03589").count() == 2
    assert report.repeated == {"UNMIK-2003-05-03589": ["Montenegro", "Serbia and Montenegro"]}
    assert CaseStudy.objects.get(pk=missions["UNEF I"].pk).un_fatalities == 3
    assert CaseStudy.objects.get(pk=missions["UNEF II"].pk).un_fatalities == 1
    assert CaseStudy.objects.get(pk=missions["UNOCI"].pk).un_fatalities == 1


def test_the_dataset_is_a_published_source_with_its_provenance(missions, tmp_path):
    write_csv(tmp_path / "DPPADPOSS-FATALITIES.csv", FATALITIES)
    (tmp_path / "DPPADPOSS-FATALITIES.provenance.yaml").write_text(
        "dataset_id: DPPADPOSS-FATALITIES\n"
        "name: Mission Fatalities\n"
        "publisher: United Nations\n"
        "last_update: 2023-11-28\n"
        "licence: CC BY-IGO 3.0\n"
        "url: https://psdata.un.org/dataset/DPPADPOSS-FATALITIES\n"
        "attribution: United Nations, Mission Fatalities, last updated 2023-11-28\n"
        "caveats: [Data from before 2000 may not be complete.]\n"
    )
    import_un_data(tmp_path / "DPPADPOSS-FATALITIES.csv", "fatalities")

    source = Source.objects.get(key="un-psdata-dppadposs-fatalities")
    assert (source.kind, source.status, source.date, source.identifier, source.url) == (
        Source.Kind.DATASET,
        Status.PUBLISHED,
        datetime.date(2023, 11, 28),
        "DPPADPOSS-FATALITIES",
        "https://psdata.un.org/dataset/DPPADPOSS-FATALITIES",
    )
    assert (source.un_dataset.licence, source.un_dataset.caveats) == (
        "CC BY-IGO 3.0",
        ["Data from before 2000 may not be complete."],
    )
    assert set(Fatality.objects.values_list("source", flat=True)) == {source.pk}


def test_a_file_without_provenance_is_described_as_the_hub_describes_it(missions, tmp_path):
    import_un_data(write_csv(tmp_path / "export.csv", FATALITIES, last_update="2023-11-28"), "fatalities")
    dataset = UNDataset.objects.get(dataset_id="DPPADPOSS-FATALITIES")
    assert dataset.source.date == datetime.date(2023, 11, 28)
    assert "CC BY-IGO 3.0" in dataset.licence
    assert dataset.attribution.endswith("last updated 2023-11-28")


def test_importing_twice_changes_nothing_and_says_so(missions, tmp_path, capsys):
    path = write_csv(tmp_path / "fatalities.csv", FATALITIES)
    call_command("import_un_data", str(path), "--dataset", "fatalities")
    before = list(Fatality.objects.order_by("pk").values())
    versions = Source.objects.get().pk, Source.objects.get().updated_at
    capsys.readouterr()

    call_command("import_un_data", str(path), "--dataset", "fatalities")

    out = capsys.readouterr().out
    assert "0 created, 0 updated, 8 unchanged, 0 removed" in out
    assert "already up to date: nothing changed" in out
    assert list(Fatality.objects.order_by("pk").values()) == before
    assert (Source.objects.get().pk, Source.objects.get().updated_at) == versions


def test_json_as_the_hub_publishes_it_reads_as_the_csv_does(missions, tmp_path):
    import_un_data(write_csv(tmp_path / "fatalities.csv", FATALITIES), "fatalities")
    before = list(Fatality.objects.order_by("pk").values())

    report = import_un_data(write_json(tmp_path / "fatalities.json", FATALITIES), "fatalities")

    assert (report.created, report.updated, report.unchanged, report.removed) == (0, 0, len(FATALITIES), 0)
    assert list(Fatality.objects.order_by("pk").values()) == before


def test_a_new_release_updates_and_removes_rows(missions, tmp_path):
    import_un_data(write_csv(tmp_path / "fatalities.csv", FATALITIES), "fatalities")
    corrected = [row[:] for row in FATALITIES[:-1]]
    corrected[0][8] = "Malicious Act"  # the hub reclassified an incident; one row left the dataset

    report = import_un_data(write_csv(tmp_path / "fatalities.csv", corrected), "fatalities")

    assert (report.created, report.updated, report.removed) == (0, 1, 1)
    assert by_casualty("UNEF-1957-01-11565").incident_type == "malicious_act"
    assert Fatality.objects.count() == len(FATALITIES) - 1


def test_dry_run_shows_what_would_change_and_writes_nothing(missions, tmp_path, capsys):
    call_command(
        "import_un_data", str(write_csv(tmp_path / "f.csv", FATALITIES)), "--dataset", "fatalities", "--dry-run"
    )

    out = capsys.readouterr().out
    assert "8 created" in out
    assert "Dry run" in out and "nothing written" in out
    assert not Fatality.objects.exists()
    assert not Source.objects.exists()
    assert CaseStudy.objects.filter(un_fatalities__isnull=False).count() == 0


def test_a_bad_file_changes_nothing_and_names_each_bad_row(missions, tmp_path):
    path = write_csv(tmp_path / "fatalities.csv", FATALITIES)
    import_un_data(path, "fatalities")
    before = list(Fatality.objects.order_by("pk").values())
    bad = [row[:] for row in FATALITIES]
    bad[1][8] = "Accidnet"  # line 3 of the file
    bad[3][1] = "1961-13-40"  # line 5
    bad[5][3] = ""  # line 7
    bad.append(["9", "2010-01-12", "X-1", "UNAMA", "Fatality", "M", "France", "Police", "Illness", "250.0", "ITA1"])
    bad[0][7] = "Military"  # a row that is fine, and is changed: still not written
    bad[0][8] = "Illness"

    with pytest.raises(UNDataError) as error:
        import_un_data(write_csv(path, bad), "fatalities")

    message = str(error.value)
    assert "4 bad rows, nothing imported" in message
    assert "line 3: type_of_incident 'Accidnet' is not one of the hub's values" in message
    assert "line 5: incident_date '1961-13-40' is not a date" in message
    assert "line 7: mission_acronym is empty" in message
    assert "line 10: isocode3 'ITA1' is neither an M49 code nor an ISO alpha-3 code" in message
    assert list(Fatality.objects.order_by("pk").values()) == before


def test_a_row_given_twice_is_refused(missions, tmp_path):
    with pytest.raises(UNDataError, match=r"line 3: the same row as line 2"):
        import_un_data(write_csv(tmp_path / "f.csv", [FATALITIES[0], FATALITIES[0]]), "fatalities")
    assert not Fatality.objects.exists()


def test_the_wrong_file_is_refused_with_the_missing_columns(db, tmp_path):
    path = write_csv(tmp_path / "f.csv", [["UNEF"]], columns=["mission_acronym"])
    with pytest.raises(CommandError, match=r"missing the columns incident_date, casualty_id.*--dataset fatalities"):
        call_command("import_un_data", str(path), "--dataset", "fatalities")


def test_long_runs_show_progress_on_stderr(missions, tmp_path, capsys):
    rows = [
        [
            str(n),
            "2005-05-03",
            f"UNOCI-{n:05}",
            "UNOCI",
            "Fatality",
            "M",
            "France",
            "Military",
            "Illness",
            "250.0",
            "FRA",
        ]
        for n in range(1200)
    ]
    call_command("import_un_data", str(write_csv(tmp_path / "f.csv", rows)), "--dataset", "fatalities")
    err = capsys.readouterr().err
    assert "1,200 of 1,200 rows read" in err
    assert "1,200 of 1,200 rows written" in err


def test_rows_wait_for_their_mission_and_are_linked_when_it_arrives(db, tmp_path):
    import_un_data(write_csv(tmp_path / "f.csv", FATALITIES), "fatalities")
    assert not Fatality.objects.filter(case_study__isnull=False).exists()
    unoci = make_case(acronym="UNOCI", start_date=datetime.date(2004, 2, 27))
    make_country("CI", "Côte d'Ivoire")

    changes = relink_un_data()

    assert changes["fatalities"] == 1
    row = by_casualty("UNOCI-2005-05-04528")
    assert (row.case_study, row.nationality_country.code) == (unoci, "CI")
    assert CaseStudy.objects.get(pk=unoci.pk).un_fatalities == 1
    assert relink_un_data() == {}


def test_figures_of_an_unpublished_dataset_are_not_counted(missions, tmp_path):
    import_un_data(write_csv(tmp_path / "f.csv", FATALITIES), "fatalities")
    Source.objects.update(status=Status.DRAFT)
    relink_un_data()
    assert CaseStudy.objects.filter(un_fatalities__isnull=False).count() == 0


# -- operations and contributions -----------------------------------------------------------------

OPERATION_COLUMNS = [
    "id",
    "mission_acronym",
    "mission_name",
    "start_date",
    "end_date",
    "lead_department",
    "mission_isactive",
    "mission_location",
    "mission_latitude",
    "mission_longitude",
]


def test_operations_import_with_their_headquarters(missions, tmp_path):
    rows = list(
        csv.reader(
            [
                "1,UNEF ,First United Nations Emergency Force,1956-11-01,1967-06-30,DPO,Inactive,Gaza,31.5,34.466667",
                "2,UNEF,Second United Nations Emergency Force,1973-10-01,1979-07-31,DPO,Inactive,Ismailia,30.6,32.27",
                "3,UNMISS,United Nations Mission in South Sudan,2011-07-09,,DPO,Active,Juba,4.85,31.6",
            ]
        )
    )
    path = write_csv(tmp_path / "pko.csv", rows, columns=OPERATION_COLUMNS)

    report = import_un_data(path, "operations", last_update=HUB_UPDATE)

    unef_ii = UNOperation.objects.get(name__startswith="Second")
    assert (unef_ii.acronym, unef_ii.case_study, unef_ii.is_active) == ("UNEF", missions["UNEF II"], False)
    assert UNOperation.objects.get(name__startswith="First").case_study == missions["UNEF I"]
    unmiss = UNOperation.objects.get(acronym="UNMISS")
    assert (unmiss.end_date, unmiss.is_active, str(unmiss.latitude)) == (None, True, "4.850000")
    assert report.unmatched == {"UNMISS": 1}
    assert import_un_data(path, "operations", last_update=HUB_UPDATE).changed == 0


def test_operations_refuse_impossible_coordinates(db, tmp_path):
    rows = [["1", "UNMISS", "Mission", "2011-07-09", "", "DPO", "Active", "Juba", "94.85", "31.6"]]
    with pytest.raises(UNDataError, match=r"line 2: mission_latitude 94.85 is outside -90 to 90"):
        import_un_data(
            write_csv(tmp_path / "pko.csv", rows, columns=OPERATION_COLUMNS), "operations", last_update=HUB_UPDATE
        )
    assert not UNOperation.objects.exists()


HISTORICAL_COLUMNS = [
    "contributing_country",
    "contribution_id",
    "female_personnel",
    "isocode3",
    "last_reporting_date",
    "m49_code",
    "male_personnel",
    "mission_acronym",
    "personnel_type",
]


def test_contributions_trust_code_values_not_the_swapped_labels(missions, tmp_path):
    # The hub's metadata labels isocode3 as the M49 code and m49_code as the ISO code: a file
    # may hold either in either column.
    rows = [
        ["France", "1", "2", "250", "2011-03-31", "FRA", "148", "UNOCI", "troops"],
        ["France", "2", "0", "FRA", "2011-03-31", "250.0", "3", "UNOCI", "Staff Officer"],
        ["Sweden", "3", "4", "752", "2011-03-31", "SWE", "10", "UNMIL", "individual_police"],
    ]
    path = write_csv(tmp_path / "uchistorical.csv", rows, columns=HISTORICAL_COLUMNS)

    report = import_un_data(path, "contributions", last_update=HUB_UPDATE)

    assert report.created == 3
    french = UNContribution.objects.filter(contributing_country="France")
    assert {(row.country.code, row.m49_code, row.iso3_code) for row in french} == {("FR", "250", "FRA")}
    assert {row.case_study for row in french} == {missions["UNOCI"]}
    troops = french.get(personnel_type="troops")
    assert (troops.female_personnel, troops.male_personnel, troops.total_personnel) == (2, 148, 150)
    assert french.get(personnel_type="staff_officer").total_personnel == 3
    assert report.unmatched == {"UNMIL": 1}


def test_contributions_refuse_negative_or_fractional_counts(db, tmp_path):
    rows = [
        ["France", "1", "-2", "250", "2011-03-31", "FRA", "148", "UNOCI", "troops"],
        ["France", "2", "1.5", "250", "2011-03-31", "FRA", "148", "UNOCI", "experts_on_mission"],
    ]
    with pytest.raises(UNDataError) as error:
        import_un_data(
            write_csv(tmp_path / "u.csv", rows, columns=HISTORICAL_COLUMNS), "contributions", last_update=HUB_UPDATE
        )
    assert "line 2: female_personnel '-2' is not a whole number of people" in str(error.value)
    assert "line 3: female_personnel '1.5' is not a whole number of people" in str(error.value)
    assert not UNContribution.objects.exists()


LATEST_COLUMNS = [
    "contributing_country",
    "female_personnel",
    "id",
    "isocode3",
    "last_reporting_date",
    "m49_code",
    "male_personnel",
    "personnel_contribution_rank",
    "total_uniformed_personnel",
]


def test_latest_month_totals_with_ranks(missions, tmp_path):
    rows = [
        ["France", "40", "1", "FRA", "2023-09-30", "250.0", "560", "2", "600"],
        ["Sweden", "30", "2", "SWE", "2023-09-30", "752.0", "170", "3", "200"],
    ]
    path = write_csv(tmp_path / "uclatest.csv", rows, columns=LATEST_COLUMNS)

    import_un_data(path, "latest-contributions", last_update=HUB_UPDATE)

    france = UNContribution.objects.get(contributing_country="France")
    assert (france.rank, france.total_personnel, france.mission_acronym, france.country.code) == (2, 600, "", "FR")
    assert france.personnel_type == UNContribution.Personnel.ALL
    # Its own source, apart from the monthly dataset's.
    assert france.source.key == "un-psdata-dpo-uclatest"


def test_latest_month_refuses_a_total_that_is_not_the_sum(db, tmp_path):
    rows = [["France", "40", "1", "FRA", "2023-09-30", "250.0", "560", "2", "601"]]
    with pytest.raises(UNDataError, match=r"line 2: total_uniformed_personnel 601 is not female 40 \+ male 560"):
        import_un_data(
            write_csv(tmp_path / "l.csv", rows, columns=LATEST_COLUMNS), "latest-contributions", last_update=HUB_UPDATE
        )
    assert not UNContribution.objects.exists()


# -- drafts, unpublished datasets, queries ------------------------------------------------------


@pytest.fixture
def small(db, tmp_path):
    unef_i = make_case(acronym="UNEF I", start_date=datetime.date(1956, 11, 5), end_date=datetime.date(1967, 6, 1))
    unoci = make_case(acronym="UNOCI", start_date=datetime.date(2004, 2, 27), status=Status.DRAFT, title="Secret draft")
    import_un_data(write_csv(tmp_path / "f.csv", FATALITIES), "fatalities")
    unef_i.refresh_from_db()
    return unef_i, unoci


def test_drafts_never_leak(small, client):
    unef_i, draft = small
    assert client.get(draft.get_absolute_url()).status_code == 404
    # With only UNEF I in the casebook, every UNEF row is its.
    assert mission_fatalities(unef_i).total == 4
    listing = client.get(reverse("cases:list") + "?sort=-fatalities").content.decode()
    assert "Secret draft" not in listing
    # Linked to the draft, a row is still a death of the country's nationals, named by the hub's acronym only.
    ivory_coast = make_country("CI", "Côte d'Ivoire")
    relink_un_data()
    rows = nationals_fatalities(ivory_coast).missions
    assert [(row["acronym"], row["case_study"]) for row in rows] == [("UNOCI", None)]


def test_an_unpublished_dataset_shows_no_figures(small, client):
    unef_i, _ = small
    assert mission_fatalities(unef_i).total == 4
    Source.objects.filter(kind=Source.Kind.DATASET).update(status=Status.DRAFT)
    # Even before an import refreshes the stored figure.
    assert unef_i.un_fatalities == 4
    assert mission_fatalities(unef_i) is None
    assert 'class="fatalities"' not in client.get(unef_i.get_absolute_url()).content.decode()


def test_the_mission_page_runs_the_same_queries_however_many_fatalities(db, client, tmp_path):
    few = make_case(acronym="UNOCI", start_date=datetime.date(2004, 2, 27))
    many = make_case(acronym="UNMIL", start_date=datetime.date(2003, 9, 19))
    rows = [
        [str(n), f"200{n % 10}-05-03", f"C-{n}", "UNMIL" if n > 1 else "UNOCI", "Fatality", "M", "France",
         ["Military", "Police", "Local "][n % 3], ["Illness", "Accident"][n % 2], "250.0", "FRA"]
        for n in range(60)
    ]  # fmt: skip
    import_un_data(write_csv(tmp_path / "f.csv", rows), "fatalities")
    counts = []
    for case in (few, many):
        client.get(case.get_absolute_url())
        with CaptureQueriesContext(connection) as queries:
            response = client.get(case.get_absolute_url())
        assert 'class="fatalities"' in response.content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert Fatality.objects.filter(case_study=many).count() == 58


def test_a_country_page_shows_its_personnel_by_mission_and_its_latest_rank(missions, tmp_path, client):
    # France in UNOCI over three months (troops and staff officers added up per month), in a
    # mission the casebook lacks, and the latest month over all missions.
    rows = [
        ["France", "1", "2", "250", "2011-01-31", "FRA", "148", "UNOCI", "troops"],
        ["France", "2", "0", "250", "2011-01-31", "FRA", "5", "UNOCI", "staff_officer"],
        ["France", "3", "10", "250", "2011-02-28", "FRA", "290", "UNOCI", "troops"],
        ["France", "4", "1", "250", "2011-03-31", "FRA", "99", "UNOCI", "troops"],
        ["France", "5", "0", "250", "2011-03-31", "FRA", "7", "UNIFIL", "troops"],
    ]
    import_un_data(
        write_csv(tmp_path / "h.csv", rows, columns=HISTORICAL_COLUMNS), "contributions", last_update=HUB_UPDATE
    )
    latest = [["France", "40", "1", "FRA", "2023-09-30", "250.0", "560", "2", "600"]]
    import_un_data(
        write_csv(tmp_path / "l.csv", latest, columns=LATEST_COLUMNS), "latest-contributions", last_update=HUB_UPDATE
    )

    page = client.get("/countries/FR/").content.decode()

    assert "had <strong>600</strong> uniformed personnel in UN operations, the 2nd largest contribution" in page
    table = re.search(r'<table class="un-contributions">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    rows_shown = [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table)
    ]
    assert rows_shown == [["UNOCI", "300", "Feb 2011", "100", "Mar 2011"], ["UNIFIL", "7", "Mar 2011", "7", "Mar 2011"]]
    assert f'<a href="{missions["UNOCI"].get_absolute_url()}">UNOCI</a>' in table
    # Each figure cites its dataset, with the licence.
    assert 'href="/sources/un-psdata-dpo-uchistorical/"' in page and 'href="/sources/un-psdata-dpo-uclatest/"' in page
    assert "Licence:" in page


def test_a_country_page_shows_no_unpublished_dataset(missions, tmp_path, client):
    rows = [["France", "1", "2", "250", "2011-01-31", "FRA", "148", "UNOCI", "troops"]]
    import_un_data(
        write_csv(tmp_path / "h.csv", rows, columns=HISTORICAL_COLUMNS), "contributions", last_update=HUB_UPDATE
    )
    assert "Uniformed personnel sent to UN operations" in client.get("/countries/FR/").content.decode()
    Source.objects.filter(un_contributions__isnull=False).update(status=Status.DRAFT)
    cache.clear()
    assert "Uniformed personnel sent to UN operations" not in client.get("/countries/FR/").content.decode()
