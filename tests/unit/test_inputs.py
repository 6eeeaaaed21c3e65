"""What a page read (il6mm.build.inputs): the key that makes it run again exactly when its inputs change, the
key's place in the page, and the kernel's record of its reads. (The same, through real builds of a copy of
the book: tests/book/test_reexecution.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap


from conftest import REPO
from il6mm.build import inputs
from il6mm.evidence import load_evidence
from il6mm.evidence import records as evidence_records

PAGE = "chapters/x"


def _tree(root):
    (root / "code" / "il6mm").mkdir(parents=True)
    (root / "code" / "il6mm" / "model.py").write_text("RATE = 1\n")
    (root / "data").mkdir()
    (root / "data" / "crs.yaml").write_text("- id: a\n")
    (root / "data" / "studies.yaml").write_text("- id: b\n")
    (root / "references.bib").write_text("@article{k, doi={x}}\n")
    return root


def _ran(pages, page, names, key):
    """What the build does after a page ran: the kernel's record, then finish()."""
    pages.start(page)
    (pages.pending / f"{inputs.page_slug(page)}.json").write_text(json.dumps({"inputs": names}))
    return pages.finish(page, key)


def test_a_page_never_run_gets_a_key_over_every_input(tmp_path):
    root = _tree(tmp_path / "book")
    pages = inputs.PageInputs(root, tmp_path / "cache")
    first = pages.key(PAGE)
    assert first.startswith("all-")
    (root / "data" / "crs.yaml").write_text("- id: changed\n")
    assert inputs.PageInputs(root, tmp_path / "cache").key(PAGE) != first  # any input: a new key


def test_the_key_stays_while_the_inputs_stay_and_changes_when_one_does(tmp_path):
    root = _tree(tmp_path / "book")
    pages = inputs.PageInputs(root, tmp_path / "cache")
    key = pages.key(PAGE)
    record = _ran(pages, PAGE, ["code/il6mm/model.py", "data/studies.yaml"], key)
    assert record.inputs == ("code/il6mm/model.py", "data/studies.yaml") and record.key == key
    assert pages.key(PAGE) == key                      # the cached run still holds
    (root / "data" / "crs.yaml").write_text("- id: not read by the page\n")
    assert pages.key(PAGE) == key                      # a file the page did not read changes nothing
    (root / "data" / "studies.yaml").write_text("- id: read by the page\n")
    changed = pages.key(PAGE)
    assert changed != key                              # an input it read: a new key, so it runs again
    _ran(pages, PAGE, ["code/il6mm/model.py", "data/studies.yaml"], changed)
    assert pages.key(PAGE) == changed
    (root / "code" / "il6mm" / "model.py").write_text("RATE = 2\n")
    assert pages.key(PAGE) not in (key, changed)       # code it imported, likewise


def test_a_page_that_did_not_run_keeps_its_record(tmp_path):
    root = _tree(tmp_path / "book")
    pages = inputs.PageInputs(root, tmp_path / "cache")
    record = _ran(pages, PAGE, ["data/studies.yaml"], "k1")
    pages.start(PAGE)                                  # read again, served from the cache: no kernel record
    assert pages.finish(PAGE, "k1") == record
    assert os.environ.get(inputs.PAGE_ENV) is None


PAGE_TEXT = ("---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n  display_name: Python 3\n"
             "  name: python3\n---\n\n# T\n\n```{code-cell} ipython3\n:tags: [remove-cell]\nx = 1\n```\n")


def test_the_key_goes_into_the_kernelspec_and_every_line_after_the_front_matter_stays_put():
    out = inputs.inject_key(PAGE_TEXT, "KEY")
    assert out.count("il6mm-inputs: KEY") == 1
    assert out.splitlines()[7:] == PAGE_TEXT.splitlines()[7:]  # warnings keep naming the lines as written
    assert len(out.splitlines()) == len(PAGE_TEXT.splitlines())
    assert inputs.inject_key("# No front matter\n", "KEY") == "# No front matter\n"
    assert inputs.inject_key("---\ntitle: x\n---\n# Not a notebook\n", "KEY") == "---\ntitle: x\n---\n# Not a notebook\n"


def test_the_key_is_notebook_metadata_the_execution_cache_hashes():
    """myst-nb reads the injected key into the notebook's kernelspec, which jupyter-cache hashes with the cells."""
    from jupyter_cache.cache.main import JupyterCacheBase
    from myst_nb.core.read import read_myst_markdown_notebook

    notebooks = {key: read_myst_markdown_notebook(inputs.inject_key(PAGE_TEXT, key)) for key in ("a", "b")}
    assert notebooks["a"].metadata.kernelspec[inputs.METADATA_KEY] == "a"
    assert notebooks["a"].metadata.kernelspec["name"] == "python3"
    hash_of = JupyterCacheBase.create_hashed_notebook
    assert hash_of(None, notebooks["a"])[1] != hash_of(None, notebooks["b"])[1]


def test_validation_reads_and_record_use_are_told_apart():
    used = []
    evidence_records.on_kind_used(used.append)
    try:
        evidence = load_evidence()                     # loading checks every kind: not a use
        assert used == []
        evidence.crs
        evidence.get("orlowski2015")                   # found among the studies: only that kind is used
        with evidence_records.validation():
            evidence.timeline
        assert used == ["crs", "studies"]
    finally:
        evidence_records._KIND_LISTENERS.remove(used.append)


KERNEL = textwrap.dedent("""
    import json, os, sys, nbformat, nbclient
    from il6mm.build.kernels import use_ipc_kernels
    use_ipc_kernels()
    os.environ["IL6MM_INPUTS_DIR"], os.environ["IL6MM_PAGE"] = sys.argv[1], "chapters/probe"
    code = ("from il6mm.evidence import load_evidence\\n"
            "from il6mm.build.provenance import build_stamp\\n"
            "from il6mm.analysis.crs_pooling import crs_pooling\\n"
            "ev = load_evidence()\\ncrs_pooling(ev.crs)\\n"
            "open(os.path.join(sys.argv[2], 'data', 'model', 'niche_parameters.yaml')).read()\\n"
            "open(os.path.join(sys.argv[2], '_build', 'scratch.txt'), 'w').write('x')")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os, sys; sys.argv = " + repr(sys.argv)),
                                         nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
""")


def test_a_book_kernel_records_the_code_it_imports_the_files_it_reads_and_the_kinds_it_uses(tmp_path):
    (REPO / "_build").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "JUPYTER_DEFAULT_PROVISIONER_NAME"}
    result = subprocess.run([sys.executable, "-c", KERNEL, str(tmp_path), str(REPO)], capture_output=True,
                            text=True, timeout=300, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    record = json.loads((tmp_path / "pending" / "chapters__probe.json").read_text())["inputs"]
    assert "code/il6mm/analysis/crs_pooling.py" in record and "code/il6mm/evidence/records.py" in record
    assert "data/crs.yaml" in record and "data/model/niche_parameters.yaml" in record
    # Files loading only checked, files written, and the build folder are not inputs.
    assert "data/studies.yaml" not in record and "references.bib" not in record
    # The stamp a page prints does not make the package's version an input (a release rewrites it).
    assert "code/il6mm/build/provenance.py" in record and "code/il6mm/version.py" not in record
    assert not [name for name in record if name.startswith("_build/")]
