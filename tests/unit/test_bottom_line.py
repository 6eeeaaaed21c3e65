"""The bottom line where readers land: key messages and the compact summary of findings come from the
certainty records, say what each certainty allows, and change when a record changes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from il6mm.evidence import EvidenceError, load_evidence
from il6mm.evidence.bottom_line import (KEY_MESSAGES, certainty_legend_markdown, key_message_rows,
                                        key_messages_markdown, sources_of, summary_table_markdown)

GRADE_WORDS = {"high": None, "moderate": "probably", "low": "may", "very low": "uncertain"}


@pytest.fixture(scope="module")
def evidence():
    return load_evidence()


def _copy(tmp_path: Path, change) -> Path:
    """data/ copied with ``change(list of certainty dicts)`` applied to certainty.yaml."""
    data = tmp_path / "data"
    data.mkdir()
    for path in (REPO / "data").glob("*.yaml"):
        (data / path.name).write_text(path.read_text())
    records = yaml.safe_load((data / "certainty.yaml").read_text())
    change(records)
    (data / "certainty.yaml").write_text(yaml.safe_dump(records, sort_keys=False, allow_unicode=True))
    return data


def _load(data: Path):
    return load_evidence(data, REPO / "references.bib")


def test_the_landing_page_is_generated_from_the_certainty_records():
    index = (REPO / "index.md").read_text()
    before_who = index.split("Who it is for")[0]
    for call in ("key_messages_markdown(", "summary_table_markdown(", "certainty_legend_markdown("):
        assert call in before_who, call     # the bottom line comes first, and from the records
    assert "## Key messages" in before_who and "## Summary of findings" in before_who


def test_key_messages_use_the_grade_wording_of_their_certainty_and_show_the_word(evidence):
    rows = key_message_rows(evidence)
    low, high = KEY_MESSAGES
    assert low <= len(rows) <= high
    text = key_messages_markdown(evidence)
    for row, line in zip(rows, text.splitlines()):
        assert line.startswith(f"- {{certainty}}`{row.certainty}` ")     # the certainty word is visible first
        word = GRADE_WORDS[row.certainty]
        assert word is None or word in row.key_message.lower(), row.id
        for key in sources_of(evidence, row):
            assert key in line                                         # every statement cites its sources
        assert f"<{row.id}>" in line                                   # and links to its full row


def test_changing_a_certainty_record_changes_the_bottom_line(tmp_path, evidence):
    before = key_messages_markdown(evidence) + summary_table_markdown(evidence)

    def change(records):
        row = next(r for r in records if r["id"] == "sof-pfs-smm")
        row["key_message"] = "In smouldering myeloma, siltuximab may make little or no difference to progression."
        row["outcome"] = "Progression to active myeloma (edited)"

    after_evidence = _load(_copy(tmp_path, change))
    after = key_messages_markdown(after_evidence) + summary_table_markdown(after_evidence)
    assert after != before
    assert "siltuximab may make little or no difference to progression" in after
    assert "Progression to active myeloma (edited)" in after and "(edited)" not in before


def test_a_key_message_at_odds_with_its_certainty_fails_naming_the_record_and_field(tmp_path):
    def change(records):
        row = next(r for r in records if r["id"] == "sof-pfs-rrmm")
        assert row["certainty"] == "low"
        row["key_message"] = "Adding siltuximab to bortezomib reduces progression."

    with pytest.raises(EvidenceError) as info:
        _load(_copy(tmp_path, change))
    message = str(info.value)
    assert re.search(r"certainty\.yaml.*record 'sof-pfs-rrmm': field 'key_message': at 'low' certainty the "
                     r"statement says 'may'", message), message


def test_too_few_key_messages_is_a_clear_error(tmp_path):
    def change(records):
        for row in records[2:]:
            row.pop("key_message", None)

    with pytest.raises(EvidenceError) as info:
        key_message_rows(_load(_copy(tmp_path, change)))
    message = str(info.value)
    assert "data/certainty.yaml" in message and "key_message" in message and "3 to 6" in message, message


def test_the_summary_table_has_one_row_per_certainty_record_with_studies_and_patients(evidence):
    table = summary_table_markdown(evidence)
    lines = [line for line in table.splitlines() if line.startswith("|")]
    assert lines[0].split("|")[1:-1] == [" Outcome ", " Comparison ", " Effect ", " Studies (patients) ",
                                         " Certainty ", " Details "]
    body = lines[2:]
    assert len(body) == len(evidence.certainty)
    for row, line in zip(evidence.certainty, body):
        assert f"{{certainty}}`{row.certainty}`" in line and f"<{row.id}>" in line
        assert "@sof[" in line                       # studies and patients are computed, not typed


def test_the_legend_names_every_certainty_level():
    legend = certainty_legend_markdown()
    for level in GRADE_WORDS:
        assert f"{{certainty}}`{level}`" in legend
