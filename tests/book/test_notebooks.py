"""Every chapter runs top to bottom as a notebook, as a Binder user would run it."""

import nbclient
import pytest

from conftest import REPO, notebook_pages
from il6mm.publish.notebooks import read_chapter


@pytest.mark.parametrize("page", notebook_pages(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_page_executes_as_a_notebook(page):
    notebook, _ = read_chapter(page)  # myst-nb's reader, as the book reads the page
    # JupyterLab starts a notebook's kernel in the notebook's own folder.
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(page.parent)}})
    client.execute()
    errors = [out for cell in notebook.cells if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors
    assert any(cell.cell_type == "code" for cell in notebook.cells)
