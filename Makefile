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

.PHONY: book test serve clean env browser lock binder-env lab

env: $(ENV_STAMP)

$(ENV_STAMP): requirements.txt code/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	# The package last, without dependencies: requirements.txt pins them (as on Binder, see postBuild).
	$(PY) -m pip install --quiet --no-deps -e ./code
	touch $@

# Front-end files the site serves itself (MathJax) and axe-core for the
# browser tests, exactly as pinned by package-lock.json. npm ci writes this file; touch marks the time.
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

env: $(NODE_STAMP)

book: $(ENV_STAMP) $(NODE_STAMP)
	$(BUILD)

# Browser tests drive Debian's Chromium (never a downloaded browser build).
browser:
	command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

# The Binder-faithful environment for tests/test_binder.py: repo2docker's JupyterLab stack
# (tests/binder-stack.txt) plus requirements.txt, in .binder-venv; rebuilt only when either file changes.
binder-env: $(ENV_STAMP)
	$(PY) tests/binder_env.py

test: book browser binder-env
	$(PY) -m pytest

# The same JupyterLab a Binder reader gets, on this machine: postBuild as Binder runs it, then the lab.
lab: binder-env
	PATH="$(CURDIR)/.binder-venv/bin:$$PATH" ./postBuild
	PATH="$(CURDIR)/.binder-venv/bin:$$PATH" jupyter lab --ip=127.0.0.1 --no-browser \
		--ServerApp.root_dir="$(CURDIR)" notebooks/01-history.ipynb

serve:
	@echo "Serving _build/html on http://127.0.0.1:$(PORT)"
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

clean:
	test ! -x $(VENV)/bin/jupyter-book || $(VENV)/bin/jupyter-book clean --all .
	rm -rf _build tests/artifacts notebooks

# Re-resolve the environment from requirements.in and pin every package exactly.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet -r requirements.in
	{ grep '^#' requirements.txt; .lockenv/bin/pip freeze --exclude-editable; } > requirements.txt.new
	mv requirements.txt.new requirements.txt && rm -rf .lockenv
