"""Citation metadata agrees with itself, and no placeholder text reaches readers."""

import re
import tomllib

import pytest
import yaml

import il6mm
from conftest import REPO, toc_files


def test_version_is_the_same_everywhere():
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text())
    project = tomllib.loads((REPO / "code" / "pyproject.toml").read_text())["project"]
    assert cff["version"] == project["version"] == il6mm.__version__
    assert il6mm.__version__ in (REPO / "chapters" / "how-to-cite.md").read_text()


def test_citation_cff_has_the_required_fields():
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text())
    for field in ("cff-version", "message", "title", "authors", "version", "date-released"):
        assert cff.get(field), field
    source = cff["references"][0]
    assert source["doi"] == "10.1016/j.critrevonc.2016.07.006"


PLACEHOLDERS = re.compile(r"\b(TODO|FIXME|XXX|TBD|lorem ipsum)\b|\?\?\?", re.I)


@pytest.mark.parametrize("page", toc_files())
def test_no_placeholder_text(page):
    text = (REPO / f"{page}.md").read_text()
    hits = [line for line in text.splitlines() if PLACEHOLDERS.search(line)]
    assert not hits, hits
