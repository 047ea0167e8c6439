"""The README's coverage table is the one the content files generate, and the command that writes it."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from cases.content_loader import read_documents
from cases.coverage import END_MARKER, START_MARKER, coverage_table, table_in

README = Path(settings.BASE_DIR) / "README.md"


def command_output(*args):
    out = StringIO()
    call_command("coverage_table", *args, stdout=out)
    return out.getvalue()


def test_the_readme_table_is_the_one_the_content_generates():
    _, table, _ = table_in(README.read_text(encoding="utf-8"), name="README.md")
    assert table.lstrip("\n") == command_output(), (
        "README.md's coverage table differs from the content files: run "
        "`python manage.py coverage_table --write README.md`."
    )


def test_the_readme_lists_the_table_under_a_coverage_heading():
    text = README.read_text(encoding="utf-8")
    assert "\n## Coverage\n" in text
    assert text.index("\n## Coverage\n") < text.index(START_MARKER)


def test_every_operation_has_one_row_with_its_lead_years_depth_and_source_count():
    records, _ = read_documents()
    table = command_output()
    rows = [line for line in table.splitlines() if line.startswith("| ")][1:]
    assert len(rows) == len(records["case_study"])
    assert "| UN | UNAMSIL | Sierra Leone | 1999–2005 | Full case study |" in table
    assert "| NATO | KFOR | Kosovo | 1999–present | Full case study |" in table
    assert "| coalition, authorised by UN | INTERFET | Timor-Leste | 1999–2000 | Summary |" in table
    unamsil = next(row for row in rows if "| UNAMSIL |" in row)
    assert int(unamsil.rstrip(" |").rsplit("|", 1)[1]) > 20  # its texts, facts and rows cite many sources


def test_rows_are_grouped_by_leading_organisation_then_by_start():
    leads = [line.split(" | ")[0].removeprefix("| ") for line in command_output().splitlines()[4:]]
    first_coalition = next(i for i, lead in enumerate(leads) if lead.startswith("coalition"))
    assert leads[:first_coalition] == sorted(leads[:first_coalition])
    assert all(lead.startswith("coalition") for lead in leads[first_coalition:])


def test_write_replaces_only_what_lies_between_the_markers(tmp_path):
    target = tmp_path / "README.md"
    target.write_text(f"# Title\n\nBefore.\n\n{START_MARKER}\nold table\n{END_MARKER}\n\nAfter.\n", encoding="utf-8")
    call_command("coverage_table", "--write", str(target), stdout=StringIO())
    text = target.read_text(encoding="utf-8")
    assert text == f"# Title\n\nBefore.\n\n{START_MARKER}\n{coverage_table()}{END_MARKER}\n\nAfter.\n"
    out = StringIO()
    call_command("coverage_table", "--write", str(target), stdout=out)
    assert "already up to date" in out.getvalue()
    assert target.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    "text",
    ["No markers here.\n", f"{START_MARKER}\nonly the start\n", f"{END_MARKER}\n{START_MARKER}\n"],
)
def test_write_refuses_a_file_without_its_markers_in_order_and_changes_nothing(tmp_path, text):
    target = tmp_path / "README.md"
    target.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("coverage_table", "--write", str(target), stdout=StringIO())
    assert target.read_text(encoding="utf-8") == text


def test_write_to_a_missing_file_says_so(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("coverage_table", "--write", str(tmp_path / "missing.md"), stdout=StringIO())
