"""The package layout is the architecture, imports one way: evidence -> analysis -> living -> results -> figures ->
build -> publish -> site; and the README describes the layout that exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "code" / "il6mm"
LAYERS = ["evidence", "analysis", "living", "results", "figures", "build", "publish", "site"]


def imported_layers(path: Path, package: Path = PACKAGE) -> set[str]:
    """The il6mm subpackages a module imports (absolute or relative imports, at any depth)."""
    here = path.relative_to(package).parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[: len(here) - node.level + 1])
                names = [".".join(base + ([node.module] if node.module else []))]
                if not node.module:
                    names = [".".join(base + [a.name]) for a in node.names]
            elif node.module and node.module.startswith("il6mm"):
                names = [node.module.removeprefix("il6mm").lstrip(".")]
                if not names[0]:
                    names = [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name.removeprefix("il6mm.") for a in node.names if a.name.startswith("il6mm.")]
        found |= {n.split(".")[0] for n in names if n.split(".")[0] in LAYERS}
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_only_earlier_layers(layer):
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        wrong = imported_layers(path) - allowed
        assert not wrong, f"{path.relative_to(PACKAGE)} imports {sorted(wrong)}, a later layer than {layer}"


def test_the_layer_check_sees_every_import_form(tmp_path):
    probe = tmp_path / "evidence" / "probe.py"
    probe.parent.mkdir()
    probe.write_text("from ..site import provenance\nfrom il6mm.figures.style import context\n"
                     "import il6mm.analysis.niche\nfrom .schema import Study\n")
    assert imported_layers(probe, tmp_path) == {"site", "figures", "analysis", "evidence"}


def test_no_module_is_left_at_the_top_of_the_package():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "paths.py", "version.py"], top  # shared by every layer


def _readme_table() -> dict[str, str]:
    """The rows of the README's "Where things live" table: each path it names -> what it says."""
    text = (PACKAGE.parents[1] / "README.md").read_text(encoding="utf-8")
    section = text.split("## Where things live", 1)[1].split("\n## ", 1)[0]
    lines = section.strip().splitlines()
    table = lines[:next((i for i, line in enumerate(lines) if not line.startswith("|")), len(lines))]
    rows = [line for line in table if line.startswith("| `")]
    assert len(rows) == len(table) - 2, "a line that is not a row breaks the table"
    assert not [line for line in lines[len(table):] if line.startswith("| `")], "a blank line splits the table"
    named = {}
    for row in rows:
        first, what = row.split(" | ", 1)
        for path in re.findall(r"`([^`]+)`", first):
            named[path.rstrip("/")] = what
    return named


def test_the_readme_folder_table_names_what_exists_and_every_layer():
    root = PACKAGE.parents[1]
    named = _readme_table()
    missing = [path for path in named if not (root / path).exists()]
    assert not missing, f"README names paths that do not exist: {missing}"
    layers = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    assert [f"code/il6mm/{layer}" for layer in layers if f"code/il6mm/{layer}" not in named] == []
    tops = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
                  and p.name not in {"node_modules", "notebooks"})
    assert [t for t in tops if t not in named and not any(n.startswith(t + "/") for n in named)] == []
    for tier in ("unit", "book", "browser", "binder"):
        assert f"`{tier}/`" in named["tests"]


def test_every_layer_is_in_the_layer_check():
    layers = {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    assert layers == set(LAYERS)
