"""The data dictionary (il6mm.publish.dictionary), generated from the schemas' field descriptions: every field
described, every record kind and field listed with type, unit, meaning and allowed values, and data/README.md
holding exactly what the generator writes."""

from __future__ import annotations

from typing import Optional

import pytest
from pydantic import BaseModel, Field

from conftest import REPO
from il6mm.evidence.schema import KINDS, described
from il6mm.publish import datapackage as dp
from il6mm.publish import dictionary


def test_every_field_of_every_schema_has_a_description():
    models = [model for _, model in KINDS.values()] + [dp.Reference, dp.json_model()]
    assert dp.undescribed_fields(models) == [], "describe these fields in code/il6mm/evidence/schema.py " \
                                                "(Field(description=...), through described())"


def test_a_field_without_a_description_is_found_at_any_depth():
    class Inner(BaseModel):
        described_one: int = Field(1, description="A number.")
        bare: Optional[str] = None

    class Outer(BaseModel):
        items: list[Inner] = described([], "The items.")
        other: int = 3

    assert sorted(dp.undescribed_fields([Outer])) == ["Inner.bare", "Outer.other"]
    with pytest.raises(TypeError, match=r"field Outer\.other has no description"):
        dp._columns(Outer, owner="probe")



def test_data_readme_holds_the_dictionary_the_schemas_give():
    path = REPO / "data" / "README.md"
    text = path.read_text(encoding="utf-8")
    assert text == dictionary.readme_with_dictionary(text), (
        "data/README.md's data dictionary is not what the schemas give: run `make dictionary` "
        "(python -m il6mm.publish.dictionary --write) and commit data/README.md")


def test_the_dictionary_lists_every_record_kind_and_every_field_with_type_unit_meaning_and_values():
    text = dictionary.dictionary_markdown()
    for table in dp.tables():
        assert f"**`{table.name}`** (`{table.path}`" in text, table.name
        for column in table.columns:
            assert f"| `{column.name}` | {dictionary._type(column)} |" in text, (table.name, column.name)
    assert "| field | type | unit | meaning | allowed values |" in text
    assert "| `n_total` | integer, required | patients | Patients in the study. | at least 1 |" in text
    assert "`ORR`: overall response rate" in text and "a `key` of `references`" in text
    # Schema prose is shown literally: no HTML tag or MyST role can come out of it.
    assert "'\\<arm> vs \\<arm>'" in text


def test_data_readme_names_every_record_file_and_refuses_a_file_without_markers(tmp_path):
    text = (REPO / "data" / "README.md").read_text(encoding="utf-8").split(dictionary.START)[0]
    assert [fname for fname, _ in KINDS.values() if f"`{fname}`" not in text] == []
    readme = tmp_path / "README.md"
    readme.write_text("# Evidence records\n\nNo markers here.\n")
    with pytest.raises(dictionary.DictionaryError, match="README.md: needs one line"):
        dictionary.write_readme(readme)
    readme.write_text(f"# Records\n\n{dictionary.START}\nold text\n{dictionary.END}\nafter\n")
    assert dictionary.write_readme(readme) is True and dictionary.write_readme(readme) is False
    written = readme.read_text()
    assert "old text" not in written and written.endswith(f"{dictionary.END}\nafter\n") and "`study_arms`" in written
