"""il6mm.evidence.yaml_files: the one reader of every YAML list file (records, saved searches, logs)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from il6mm.evidence.yaml_files import read_list, validated_entries


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    n: int


TEXT = """\
# a comment line
- id: first
  n: 1
- just a string
- id: third
  n: many
- id: fourth
  n: 4
  colour: red
- n: 5
"""


def _read(text: str, noun: str = "entries"):
    problems = []
    return read_list(None, "data/example.yaml", problems, text=text, noun=noun), problems


def test_entries_come_with_their_lines_and_every_bad_one_is_named_with_file_line_and_field():
    read, problems = _read(TEXT)
    assert read[1] == [2, 4, 5, 7, 10]
    good = list(validated_entries(read, Entry, "data/example.yaml", problems))
    assert [(e.id, label, line) for e, label, line in good] == [("first", "'first'", 2)]
    assert [str(p) for p in problems] == [
        "data/example.yaml (line 4): record #1 (no id): an entry must be a mapping, not str",
        "data/example.yaml (line 5): record 'third': field 'n': Input should be a valid integer, unable to parse "
        "string as an integer (got 'many')",
        "data/example.yaml (line 7): record 'fourth': field 'colour': unknown field (not in the schema)",
        "data/example.yaml (line 10): record #4 (no id): field 'id': required field is missing",
    ]


def test_a_file_that_is_not_a_list_of_entries_gives_one_problem_and_no_entries():
    for text, message in (("- id: a\n  n: [1\n", "YAML syntax error"),
                          ("id: a\n", "the file must be a YAML list of records, not a dict")):
        read, problems = _read(text, noun="records")
        assert read is None and len(problems) == 1 and message in str(problems[0])
        assert list(validated_entries(read, Entry, "data/example.yaml", problems)) == []
    assert _read("")[0] == ([], [])
    problems = []
    from pathlib import Path
    assert read_list(Path("/nonexistent/x.yaml"), "data/x.yaml", problems) is None
    assert str(problems[0]) == "data/x.yaml: file is missing"


def _lines(node) -> list[int]:
    """The line of every node of a tree, depth first."""
    children = node.value if isinstance(node.value, list) else []
    return [node.start_mark.line] + [line for child in children
                                     for part in (child if isinstance(child, tuple) else (child,))
                                     for line in _lines(part)]


def test_the_fast_parser_reads_every_yaml_file_of_the_project_as_pyyaml_s_own_does():
    import yaml

    from il6mm.evidence import yaml_files
    from il6mm.paths import REPO_ROOT

    assert yaml_files._Loader is yaml.CSafeLoader  # libyaml: without it every read is ten times slower
    files = sorted(REPO_ROOT.glob("data/**/*.yaml")) + [REPO_ROOT / "_config.yml", REPO_ROOT / "_toc.yml",
                                                         REPO_ROOT / "CITATION.cff"]
    assert len(files) > 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        data, node = yaml_files.parse_yaml(text)
        assert data == yaml.safe_load(text), path
        slow = yaml.compose(text, Loader=yaml.SafeLoader)
        assert _lines(node) == _lines(slow), path
    assert yaml_files.parse_yaml("") == (None, None)
