"""The digest of every input (the PDF's stamp, a chapter run outside the book) and the build stamps."""

from pathlib import Path

import il6mm
from il6mm.build import inputs, provenance


def _tree(root: Path) -> Path:
    (root / "code" / "il6mm" / "__pycache__").mkdir(parents=True)
    (root / "code" / "il6mm" / "model.py").write_text("RATE = 1\n")
    (root / "code" / "il6mm" / "__pycache__" / "model.pyc").write_bytes(b"\x00")
    (root / "data").mkdir()
    (root / "data" / "trials.yaml").write_text("- id: a\n")
    (root / "references.bib").write_text("@article{k, doi={x}}\n")
    (root / "chapters").mkdir()
    (root / "chapters" / "c.md").write_text("# text\n")
    return root


def test_digest_covers_code_data_and_bibliography(tmp_path):
    root = _tree(tmp_path)
    assert inputs.every_input(root) == ["code/il6mm/model.py", "data/trials.yaml", "references.bib"]


def test_digest_changes_with_code_data_or_bib_but_not_prose_or_bytecode(tmp_path):
    root = _tree(tmp_path)
    before = provenance.inputs_digest(root)
    (root / "chapters" / "c.md").write_text("# other text\n")
    (root / "code" / "il6mm" / "__pycache__" / "model.pyc").write_bytes(b"\x01")
    assert provenance.inputs_digest(root) == before
    for path, text in [("code/il6mm/model.py", "RATE = 2\n"), ("data/trials.yaml", "- id: b\n"),
                       ("references.bib", "@article{k, doi={y}}\n")]:
        (root / path).write_text(text)
        after = provenance.inputs_digest(root)
        assert after != before, path
        before = after


def test_digest_sees_a_renamed_file(tmp_path):
    root = _tree(tmp_path)
    before = provenance.inputs_digest(root)
    (root / "data" / "trials.yaml").rename(root / "data" / "studies.yaml")
    assert provenance.inputs_digest(root) != before


def test_build_stamp_names_version_and_digest(tmp_path):
    root = _tree(tmp_path)
    stamp = provenance.build_stamp(root)
    assert provenance.inputs_digest(root) in stamp and f"il6mm {il6mm.__version__}" in stamp


def test_footer_without_git_has_no_commit(tmp_path):
    import datetime
    footer = provenance.build_footer(tmp_path, today=datetime.date(2026, 1, 2))
    assert footer == f"Version {il6mm.__version__}, built 2026-01-02."


def test_in_the_book_the_stamp_leaves_the_version_to_sphinx(monkeypatch):
    # A release rewrites the version only: no page may have to run again to print it.
    monkeypatch.setattr(provenance, "page_digest", lambda: "0123456789abcdef")
    assert provenance.build_stamp() == "Computed with il6mm {review}`version` from inputs 0123456789ab."
