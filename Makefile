# Two commands for a fresh machine (see README.md):
#   make run   — create the virtualenv if needed and launch the app on its embedded default chart
#   make test  — create the virtualenv if needed and run the whole test suite
#   make dist  — build the installed app for this machine (installers/README.md)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast lint bench screenshots dist clean-venv

$(STAMP): pyproject.toml core/version.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,scribe,server]'
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/chartside

# One pytest worker per core, at most four (each worker loads the speech model and may start
# its own PostgreSQL cluster); tests share nothing but the virtualenv. The 25 slowest tests are
# listed at the end, for keeping the suite inside CI's 15 minutes. ``--dist load``: any worker takes
# the next test, also a worker started to replace one that crashed (under ``loadgroup`` the
# replacement sat idle and the rest of the run went serial: CI 2026-12-06). The real-model
# fixtures are transcribed once per compute type for the whole run and shared through a file
# (tests/scribe/conftest.py).
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -n auto --maxprocesses 4 --dist load --durations=25
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The inner loop (< 60 s): the pure tiers only — domain, rules, scribe text logic, contracts.
test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q tests/unit -m "not slow and not real_model and not xvfb"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) -m bench

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m desktop.screenshots

DIST_STAMP := $(VENV)/.installed-dist

$(DIST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,scribe,server,dist]'
	@touch $(DIST_STAMP)

# Linux: dist/*.tar.gz, dist/*.deb and dist/SHA256SUMS. Windows/macOS: installers/README.md.
dist: $(DIST_STAMP)
	PY=$(PY) bash installers/linux/build.sh

clean-venv:
	rm -rf $(VENV)
