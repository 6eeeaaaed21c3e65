"""Citation metadata agrees with itself, and no placeholder text reaches readers."""

import re
import tomllib

import pytest
import yaml

import il6mm
from il6mm.living.versions import load_versions
from conftest import REPO, toc_files


def test_version_is_the_same_everywhere():
    """CITATION.cff is the source of truth; the package literal is rewritten from it by `make release`, the
    package metadata takes it from the literal, the versions file's latest entry names it."""
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text())
    pyproject = tomllib.loads((REPO / "code" / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "il6mm.version.__version__"}
    assert cff["version"] == il6mm.__version__
    latest = load_versions()[-1]
    assert (latest.version, latest.date.isoformat()) == (cff["version"], cff["date-released"])


def test_how_to_cite_page_renders_the_version_from_citation_cff():
    """The page itself types no version: it is generated from CITATION.cff at build time."""
    text = (REPO / "chapters" / "how-to-cite.md").read_text()
    assert not re.search(r"\b\d+\.\d+\.\d+\b", text), "a version is typed into how-to-cite.md"
    assert "{cite-this-version}" in text


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
