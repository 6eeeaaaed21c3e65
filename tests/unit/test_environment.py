"""One pinned environment serves the build, the tests and Binder."""

import re
import sys
import tomllib

import pytest

from conftest import REPO


def _requirements():
    lines = (REPO / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_every_requirement_is_pinned_exactly():
    reqs = _requirements()
    loose = [r for r in reqs if not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.+\-]+", r)]
    assert not loose, loose


def test_requirements_name_no_local_path_so_binder_installs_them_before_copying_the_repo():
    """repo2docker installs requirements.txt before it copies the repository (a cached image layer) unless
    a line is local (-e, -r, -c, a path): then it installs after the copy, on every commit."""
    local = [r for r in _requirements() if r.startswith("-") or "/" in r or r.startswith(".")]
    assert not local, local


def test_the_package_is_installed_after_the_pins_without_its_own_resolution():
    """One environment: postBuild (Binder) and make env add ./code with --no-deps, over requirements.txt,
    and every dependency the package declares is pinned there."""
    post_build = (REPO / "postBuild").read_text()
    assert re.search(r"pip install .*--no-deps.* -e \./code", post_build)
    makefile = (REPO / "Makefile").read_text()
    env_rule = makefile.split("$(ENV_STAMP): requirements.txt", 1)[1].split("\n\n", 1)[0]
    assert env_rule.index("-r requirements.txt") < env_rule.index("--no-deps -e ./code")
    declared = tomllib.loads((REPO / "code" / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned = {r.split("==")[0].lower().replace("_", "-") for r in _requirements()}
    missing = {re.split(r"[<>=!\[ ]", d)[0].lower() for d in declared} - pinned
    assert not missing, missing


def test_jupyter_book_stays_on_1x_and_binder_loads_no_lab_extension_built_for_a_newer_lab():
    """jupytext 1.19's JupyterLab extension needs JupyterLab >= 4.6 and breaks on Binder's 4.4 ("Failed to
    create module"); readers open .ipynb files, so the environment has no jupytext at all."""
    pins = dict(r.split("==") for r in _requirements() if "==" in r)
    assert pins["jupyter-book"].startswith("1.")
    assert "jupytext" not in pins


def test_top_level_needs_are_all_pinned():
    needs = [re.split(r"[<>=!\[ ]", line.strip())[0].lower()
             for line in (REPO / "requirements.in").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    pinned = {r.split("==")[0].lower() for r in _requirements() if "==" in r}
    assert set(needs) <= pinned, set(needs) - pinned


def test_binder_files_match_the_design():
    runtime = (REPO / "runtime.txt").read_text().strip()
    assert runtime == f"python-{sys.version_info.major}.{sys.version_info.minor}"
    post_build = (REPO / "postBuild").read_text()
    # Readers open notebooks/*.ipynb, made here from the chapters; no .md is opened as a notebook, so no
    # session can rewrite a chapter (and no jupytext configuration is needed).
    assert "python -m il6mm.publish.notebooks" in post_build
    assert "jupytext" not in post_build and not (REPO / "jupytext.toml").exists()


def test_binder_stack_is_repo2docker_s_lock():
    """The versions tests/test_binder.py runs JupyterLab at; update from repo2docker's lock when it moves."""
    stack = dict(line.split("==") for line in (REPO / "tests" / "binder-stack.txt").read_text().splitlines()
                 if "==" in line)
    assert (stack["jupyterlab"], stack["notebook"], stack["jupyter_server"]) == ("4.4.9", "7.4.7", "2.17.0")
    pins = dict(r.split("==") for r in _requirements() if "==" in r)
    assert not {"jupyterlab", "notebook", "jupyter_server", "jupyter-server"} & set(pins), \
        "requirements.txt must not replace the JupyterLab Binder provides"


NOISE_SAMPLE = (
    "WARNING: Location 'file:///opt/pypi/simple/pydantic/' is ignored: it is neither a file nor a directory.\n"
    "WARNING: Retrying after connection broken by 'ReadTimeoutError'\n"
    "ERROR: Could not find a version that satisfies the requirement nosuchpackage==1.0\n"
    "WARNING: Location 'file:///opt/pypi-more/simple/pybtex-docutils/' is ignored: it is neither a file nor a directory.\n"
)
REAL_LINES = NOISE_SAMPLE.splitlines()[1:3]


def test_the_pip_output_filter_drops_only_the_machine_s_index_notes():
    """make env and make binder-env hide pip's note on this machine's partial local index, nothing else."""
    import subprocess

    import binder_env

    assert binder_env.without_machine_noise(NOISE_SAMPLE).splitlines() == REAL_LINES
    makefile = (REPO / "Makefile").read_text()
    pattern = re.search(r"^MACHINE_PIP_NOISE := (.*)$", makefile, re.M).group(1).replace("$$", "$")
    kept = subprocess.run(["grep", "-v", pattern], input=NOISE_SAMPLE, capture_output=True, text=True).stdout
    assert kept.splitlines() == REAL_LINES
    # Every pip command of the environment rule goes through the filter.
    env_rule = makefile.split("$(ENV_STAMP): requirements.txt", 1)[1].split("\n\n", 1)[0]
    assert all(line.rstrip().endswith("$(QUIET)") for line in env_rule.splitlines() if "$(PIP)" in line)


_MODULE_WITH_A_SHARED_FIXTURE = '''
import pytest


@pytest.fixture(scope="module")
def shared():
    with open("setups.txt", "a") as log:
        log.write("{name}\\n")


@pytest.mark.parametrize("i", range(6))
def test_it(shared, i):
    pass
'''


@pytest.mark.slow  # a pytest run of its own with two workers; it checks `make test`, which runs it
def test_make_test_sets_each_module_s_fixtures_up_once_on_two_workers(tmp_path):
    """`make test` sends each module whole to one worker, so that a module fixture (a browser, a Lab, a copy's
    builds) is set up once per run. Checked by running its own pytest options on three small modules: the
    grouping it used before (--dist loadgroup) stopped working with pytest 9.2 without a word."""
    import subprocess

    makefile = (REPO / "Makefile").read_text()
    recipe = re.search(r"^test:.*\n\t(.*)$", makefile, re.M).group(1)
    options = recipe.split(" -m pytest ", 1)[1].replace("$(PYTEST_WORKERS)", "2").split()
    for name in ("a", "b", "c"):
        (tmp_path / f"test_{name}.py").write_text(_MODULE_WITH_A_SHARED_FIXTURE.format(name=name))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "18 passed" in done.stdout, done.stdout[-2000:]
    assert sorted((tmp_path / "setups.txt").read_text().split()) == ["a", "b", "c"]
