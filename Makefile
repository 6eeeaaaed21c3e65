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

.PHONY: book test serve clean env browser lock search pending

env: $(ENV_STAMP)

$(ENV_STAMP): requirements.txt code/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Front-end files the site serves itself (require.js, widget manager, MathJax) and axe-core for the
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

test: book browser
	$(PY) -m pytest

serve:
	@echo "Serving _build/html on http://127.0.0.1:$(PORT)"
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

# Keep the review living (needs internet; not run in CI). Runs every saved search since its last run,
# appends new candidates to data/living/screening.yaml and one entry per run to data/living/search_log.yaml.
# Needs IL6MM_ENTREZ_EMAIL (NCBI asks for a contact address); NCBI_API_KEY is optional.
search: $(ENV_STAMP)
	$(PY) -m il6mm.living search

# List the candidates awaiting screening.
pending: $(ENV_STAMP)
	$(PY) -m il6mm.living pending

clean:
	test ! -x $(VENV)/bin/jupyter-book || $(VENV)/bin/jupyter-book clean --all .
	rm -rf _build tests/artifacts

# Re-resolve the environment from requirements.in and pin every package exactly.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet -r requirements.in
	{ sed -n 1,2p requirements.txt; echo "-e ./code"; .lockenv/bin/pip freeze --exclude-editable; } > requirements.txt.new
	mv requirements.txt.new requirements.txt && rm -rf .lockenv
