"""The package layout is the architecture: evidence -> analysis -> living -> figures -> site, imports one way."""

from __future__ import annotations

import ast
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
    assert top == ["__init__.py", "paths.py"], top
