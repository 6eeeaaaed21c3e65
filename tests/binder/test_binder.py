"""'Run it in Binder', end to end on this machine, in the JupyterLab a reader gets from mybinder.org.

.binder-venv (`make binder-env`, tests/binder_env.py) holds repo2docker's own Jupyter stack at the versions
of its current Python 3.11 lock (tests/binder-stack.txt) plus our requirements.txt, in one environment, as
repo2docker builds it. Here: a copy of the repository (the files git tracks, as Binder clones them) gets
postBuild run in it as Binder runs it (working directory and HOME = the copy); `jupyter lab` serves it on
127.0.0.1 with a token; Debian's Chromium opens the exact path of each chapter's launch link on the built
site. Each must open as a notebook (not a text editor), read as prose, run every cell without an error, and
leave the chapter sources untouched; on one interactive figure a control change must redraw from Python.
No network: the environment is built beforehand, the browser may only talk to the local server.
Screenshots are kept in tests/artifacts/.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest

import binder_env
from browser_helpers import FIGURE_CLASS, IMG_BYTES_JS, browser  # noqa: F401  (browser: the fixture)
from conftest import REPO, notebook_pages, toc_files

ARTIFACTS = REPO / "tests" / "artifacts"
BINDER_LINK = re.compile(r'href="(https://mybinder\.org/v2/gh/[^"]+)"')
MARKUP = re.compile(r"\{(val|footcite|cite(:\w+)?|numref|ref|eq|doc|footbibliography|admonition|dropdown)\}")
# Lab readiness and a chapter's run are waited for by polling, each with a deadline.
LAB_START_TIMEOUT = 120
RUN_TIMEOUT_MS = 300_000


CURRENT_NOTEBOOK_READY = """(path) => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    return !!(w && w.context && w.context.path === path && w.sessionContext.session?.kernel);
}"""


def launch_path(html: str) -> str:
    """The file a page's Binder launch link opens, relative to the repository (from urlpath or labpath)."""
    links = BINDER_LINK.findall(html)
    assert len(set(links)) == 1, f"expected one Binder link, found {links}"
    query = parse_qs(urlparse(links[0].replace("&amp;", "&")).query)
    if "labpath" in query:
        return unquote(query["labpath"][0])
    urlpath = unquote(query["urlpath"][0])
    assert urlpath.startswith("lab/tree/"), f"launch link does not open JupyterLab's file view: {urlpath}"
    return urlpath[len("lab/tree/"):]


def linked_pages(site: Path) -> list[str]:
    return [page for page in toc_files() if BINDER_LINK.search((site / f"{page}.html").read_text())]


def _tracked_copy(dest: Path) -> None:
    """The repository as Binder clones it: the files git knows (tracked, or new and not ignored)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def _digest(paths) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(paths)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


class Lab:
    def __init__(self, repo: Path, port: int, token: str, proc: subprocess.Popen, log: Path):
        self.repo, self.port, self.token, self.proc, self.log = repo, port, token, proc, log
        self.origin = f"http://127.0.0.1:{port}"

    def api(self, path: str):
        with urllib.request.urlopen(f"{self.origin}{path}?token={self.token}", timeout=5) as response:
            return json.loads(response.read())


@pytest.fixture(scope="module")
def binder_repo(tmp_path_factory) -> tuple[Path, dict, float]:
    assert binder_env.is_current(), (
        f"{binder_env.VENV} is missing or was built from other files: run `make binder-env` (needs PyPI once)")
    repo = tmp_path_factory.mktemp("binder") / "repo"
    repo.mkdir()
    _tracked_copy(repo)
    assert not (repo / "notebooks").exists(), "notebooks/ must be generated, not committed"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHON", "VIRTUAL_ENV"))}
    env.update(PATH=f"{binder_env.VENV / 'bin'}:{env['PATH']}", HOME=str(repo))
    started = time.monotonic()
    done = subprocess.run(["./postBuild"], cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return repo, env, time.monotonic() - started


@pytest.fixture(scope="module")
def lab(binder_repo):
    repo, env, _ = binder_repo
    port, token = _free_port(), secrets.token_hex(16)
    log = repo.parent / "jupyter-lab.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(binder_env.VENV / "bin" / "jupyter"), "lab", "--ip=127.0.0.1", f"--port={port}", "--no-browser",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={repo}",
             # lets the test drive JupyterLab's own commands (run all, save) instead of guessing at menus
             "--LabApp.expose_app_in_browser=True",
             # Binder runs the lab as an ordinary user; this machine may run the tests as root
             *(["--allow-root"] if os.geteuid() == 0 else [])],
            cwd=repo, env=env, stdout=out, stderr=subprocess.STDOUT)
    running = Lab(repo, port, token, proc, log)
    deadline = time.monotonic() + LAB_START_TIMEOUT
    while True:
        assert proc.poll() is None, f"jupyter lab exited: {log.read_text()[-3000:]}"
        try:
            if running.api("/api/status").get("started"):
                break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        assert time.monotonic() < deadline, f"jupyter lab not ready in {LAB_START_TIMEOUT} s: {log.read_text()[-3000:]}"
        try:  # ask again in a quarter of a second, or at once if the server exits
            proc.wait(timeout=0.25)
        except subprocess.TimeoutExpired:
            pass
    try:
        yield running
    finally:
        kernels = _children(proc.pid)
        proc.send_signal(signal.SIGTERM)  # our own server, by its PID; it shuts its kernels down
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for pid in kernels:  # a kernel the server failed to stop is an error too
            if Path(f"/proc/{pid}").exists():
                os.kill(pid, signal.SIGKILL)
                raise AssertionError(f"kernel process {pid} outlived jupyter lab")


def test_postbuild_makes_one_readers_notebook_per_linked_page(site, binder_repo):
    repo, _, seconds = binder_repo
    print(f"postBuild: {seconds:.1f} s")
    wanted = sorted(launch_path((site / f"{page}.html").read_text()) for page in linked_pages(site))
    made = sorted(p.relative_to(repo).as_posix() for p in (repo / "notebooks").glob("*.ipynb"))
    assert wanted == made
    for name in made:
        print(f"{name}: {(repo / name).stat().st_size / 1024:.0f} KB")


def test_binder_env_has_the_lock_versions_and_the_pins():
    """The venv is repo2docker's stack with our pins on top: JupyterLab from the lock, the rest from us."""
    freeze = subprocess.run([str(binder_env.VENV / "bin" / "python"), "-m", "pip", "freeze", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout
    installed = {n.lower().replace("_", "-"): v for n, _, v in (l.partition("==") for l in freeze.splitlines())}
    pins = {n.lower().replace("_", "-"): v for n, _, v in
            (l.partition("==") for l in binder_env.REQUIREMENTS.read_text().splitlines() if "==" in l)}
    for name in ("jupyterlab", "notebook", "jupyter-server"):
        line = next(l for l in binder_env.STACK.read_text().splitlines() if l.lower().replace("_", "-")
                    .startswith(name + "=="))
        assert installed[name] == line.split("==")[1], name
    assert {n: installed.get(n) for n in pins} == pins


@pytest.mark.parametrize("page", [p.relative_to(REPO).with_suffix("").as_posix() for p in notebook_pages()
                                  if p.parent.name == "chapters"])
def test_launch_link_opens_a_readable_notebook_that_runs(site, lab, browser, page):
    html = (site / f"{page}.html").read_text()
    assert BINDER_LINK.search(html), f"{page} runs code but has no Binder link"
    path = launch_path(html)
    assert (lab.repo / path).is_file(), f"{page}: the launch link opens {path}, which postBuild did not make"
    sources = list((lab.repo / "chapters").glob("*.md"))
    before = _digest(sources)
    name = page.split("/")[-1]
    ARTIFACTS.mkdir(exist_ok=True)

    tab = browser.new_page(viewport={"width": 1280, "height": 1000})
    console: list[str] = []
    foreign: list[str] = []
    tab.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: console.append(f"uncaught: {e}"))

    def route(r):
        if r.request.url.startswith(lab.origin + "/") or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            foreign.append(r.request.url)
            r.abort()

    tab.route("**/*", route)
    try:
        # `reset`: a fresh workspace, as on a reader's first visit (the lab would otherwise restore the tabs
        # of the previous chapter's visit).
        tab.goto(f"{lab.origin}/lab/tree/{path}?reset&token={lab.token}", wait_until="load")
        shown = ".jp-Document:not(.lm-mod-hidden)"
        tab.wait_for_selector(f"{shown}.jp-NotebookPanel, {shown}.jp-FileEditor, {shown} .jp-FileEditor",
                              timeout=60_000)
        assert tab.query_selector(f"{shown} .jp-FileEditor, {shown}.jp-FileEditor") is None, \
            f"{path} opened in a text editor"
        tab.wait_for_selector(f"{shown}.jp-NotebookPanel .jp-MarkdownCell .jp-RenderedMarkdown", timeout=60_000)
        tab.wait_for_function(CURRENT_NOTEBOOK_READY, arg=path, timeout=60_000)
        tab.screenshot(path=str(ARTIFACTS / f"binder-{name}-opened.png"))

        # What the reader reads: prose, not markup; the plumbing folded.
        text = _prose(tab)
        assert "References" in text and not MARKUP.search(text), \
            f"{path} shows MyST markup: {MARKUP.search(text).group(0) if MARKUP.search(text) else text[-500:]}"
        hidden = tab.evaluate("""() => {
            const cells = window.jupyterapp.shell.currentWidget.content.widgets;
            return cells.filter(c => c.model.type === 'code' && (c.model.getMetadata('tags') || [])
                                 .includes('remove-cell')).map(c => c.inputHidden);
        }""")
        assert hidden and all(hidden), f"{path}: set-up cells are not folded: {hidden}"

        tab.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # Done when every code cell has run and the kernel is idle, or as soon as a cell fails (run-all then
        # stops, and the cells after it would never get an execution count) or the kernel dies.
        tab.wait_for_function("""() => {
            const panel = window.jupyterapp.shell.currentWidget;
            const cells = panel.content.model.cells;
            const status = panel.sessionContext.session.kernel.status;
            if (status === 'dead') return true;
            let pending = false;
            for (let i = 0; i < cells.length; i++) {
                const cell = cells.get(i);
                if (cell.type !== 'code') continue;
                if (cell.outputs.toJSON().some(o => o.output_type === 'error')) return true;
                if (!cell.executionCount) pending = true;
            }
            return !pending && status === 'idle';
        }""", timeout=RUN_TIMEOUT_MS, polling=500)
        status = tab.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status")
        assert status != "dead", f"{path}: the kernel died while running the notebook"
        outputs = tab.evaluate("""() => {
            const cells = window.jupyterapp.shell.currentWidget.content.model.cells, found = [];
            for (let i = 0; i < cells.length; i++) {
                const cell = cells.get(i);
                if (cell.type === 'code') found.push(...cell.outputs.toJSON());
            }
            return found;
        }""")
        errors = [o for o in outputs if o["output_type"] == "error"
                  or (o["output_type"] == "stream" and o.get("name") == "stderr")]
        assert not errors, f"{path}: {errors[:3]}"
        assert any(o["output_type"] in {"display_data", "execute_result"} for o in outputs), f"{path}: no output"
        text = _prose(tab)
        assert not MARKUP.search(text), f"{path} output shows MyST markup: {MARKUP.search(text).group(0)}"
        tab.screenshot(path=str(ARTIFACTS / f"binder-{name}-ran.png"))

        if tab.query_selector(f".{FIGURE_CLASS}"):
            _control_change_redraws_from_python(tab, name)

        # What autosave would do: save the notebook. The chapter sources stay as they were.
        tab.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        tab.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000)
        assert _digest(sources) == before, f"{path}: a chapter source changed during the session"
        # A lab extension built for another JupyterLab fails while loading (as jupytext 1.19's did here).
        ours = [m for m in console if "/lab/extensions/" in m or "Failed to create module" in m
                or "Document viewer" in m or "shared module" in m]
        assert not ours, f"{path}: console errors {ours}"
        assert not foreign, f"{path}: requests outside the local lab: {foreign[:5]}"
    finally:
        (ARTIFACTS / f"binder-{name}-console.txt").write_text("\n".join(console) + "\n")
        # Stop this chapter's kernel (the lab itself stops at the end of the module).
        tab.evaluate("""async () => {
            const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            if (w && w.sessionContext && w.sessionContext.session) await w.sessionContext.shutdown();
        }""")
        tab.close()


def _prose(tab) -> str:
    """What a reader reads: the Markdown cells and the outputs, rendered (the notebook is windowed, so the
    text comes from the model's Markdown and the output areas JupyterLab has rendered so far)."""
    return tab.evaluate("""() => {
        const panel = window.jupyterapp.shell.currentWidget, parts = [];
        for (const cell of panel.content.widgets) {
            if (cell.model.type === 'markdown') parts.push(cell.model.sharedModel.getSource());
            if (cell.model.type === 'code') parts.push(JSON.stringify(cell.model.outputs.toJSON()
                .map(o => (o.data || {})['text/markdown'] || (o.data || {})['text/plain'] || o.text || '')));
        }
        return parts.join('\\n');
    }""")


# Runs in the kernel: the first interactive figure's images, by hash; matplotlib renderings counted (and
# marked, so a redrawn frame differs from every earlier one) from now on, whichever way the figure renders.
_KERNEL_WATCH = """
import hashlib as _h, json as _j, ipywidgets as _w, matplotlib.figure as _mf
from ipywidgets.widgets.widget import _instances as _all_widgets
_fig = next(w for w in list(_all_widgets.values()) if %r in getattr(w, "_dom_classes", ()))
def _images(w):
    if isinstance(w, _w.Image):
        yield w
    for c in getattr(w, "children", ()):
        yield from _images(c)
_before = {_h.sha256(i.value).hexdigest() for i in _images(_fig)}
_saves = [0]
_orig_draw = _mf.Figure.draw
def _marked_draw(self, renderer):  # every rendering from now on (savefig or canvas) carries a mark
    _saves[0] += 1
    if not getattr(self, "_il6mm_marked", False):
        self.text(0.01, 0.01, "redrawn in the kernel", fontsize=6)
        self._il6mm_marked = True
    return _orig_draw(self, renderer)
_mf.Figure.draw = _marked_draw
""" % FIGURE_CLASS
_KERNEL_REPORT = """
_mf.Figure.draw = _orig_draw
print(_j.dumps({"saves": _saves[0], "before": sorted(_before),
                "now": sorted({_h.sha256(i.value).hexdigest() for i in _images(_fig)})}))
"""


def _kernel(tab, code: str) -> str:
    """Run code in the notebook's kernel (not in a cell) and return what it printed."""
    return tab.evaluate("""async (code) => {
        const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
        let printed = '';
        const future = kernel.requestExecute({code, store_history: false});
        future.onIOPub = msg => {
            if (msg.header.msg_type === 'stream') printed += msg.content.text;
            if (msg.header.msg_type === 'error') printed += 'ERROR ' + msg.content.ename + ': ' + msg.content.evalue;
        };
        await future.done;
        return printed;
    }""", code)


def _control_change_redraws_from_python(tab, name: str) -> None:
    """Move the first control of the first interactive figure; the kernel must draw the frame now shown."""
    out = _kernel(tab, _KERNEL_WATCH)
    assert "ERROR" not in out, out
    # The notebook is windowed: bring the figure's cell into view through JupyterLab itself.
    tab.evaluate("""async (cls) => {
        const notebook = window.jupyterapp.shell.currentWidget.content;
        const index = notebook.widgets.findIndex(c => c.node.querySelector('.' + cls));
        notebook.activeCellIndex = index;
        await notebook.scrollToItem(index, 'start');
    }""", FIGURE_CLASS)
    tab.wait_for_selector(f".{FIGURE_CLASS} .widget-dropdown select, .{FIGURE_CLASS} .widget-hslider [role=slider]",
                          state="visible", timeout=30_000)
    figure = tab.query_selector(f".{FIGURE_CLASS}")
    control = figure.query_selector(".widget-dropdown select, .widget-hslider [role=slider]")
    if control.evaluate("e => e.tagName") == "SELECT":
        count = control.evaluate("e => e.options.length")
        control.select_option(index=(control.evaluate("e => e.selectedIndex") + 1) % count)
    else:
        control.focus()
        control.press("End" if control.get_attribute("aria-valuenow") != control.get_attribute("aria-valuemax")
                      else "Home")
    # Each question to the kernel waits for its answer; the redraw is queued behind the comm message.
    deadline = time.monotonic() + 60
    while not json.loads(_kernel(tab, "print(_j.dumps(_saves[0]))")):
        assert time.monotonic() < deadline, f"{name}: no redraw in the kernel after the control changed"
    report = json.loads(_kernel(tab, _KERNEL_REPORT))
    new = set(report["now"]) - set(report["before"])
    assert new, f"{name}: the kernel redrew but no frame changed: {report}"

    def visible_hashes():
        imgs = [i for i in figure.query_selector_all("img") if i.is_visible()]
        return {hashlib.sha256(base64.b64decode(i.evaluate(IMG_BYTES_JS))).hexdigest() for i in imgs}

    tab.wait_for_function("""(el) => [...el.querySelectorAll('img')].some(i => i.offsetParent !== null)""",
                          arg=figure)
    deadline = time.monotonic() + 30
    while not (visible_hashes() & new):
        assert time.monotonic() < deadline, f"{name}: the page does not show the frame the kernel redrew"
    tab.screenshot(path=str(ARTIFACTS / f"binder-{name}-redrawn.png"))
