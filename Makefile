# Front door of the project. `make report YEAR=2024` and `make test` set themselves up on first run.
SHELL := /bin/bash
PYTHON_BOOTSTRAP ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.setup-complete
YEAR ?= 2024
RAW ?=
UNIT ?=
JOBS ?=
FORCE ?=

.PHONY: setup report towns documents test lint format lab bench backtest sample-data lock clean help
.DEFAULT_GOAL := help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(STAMP)  ## create .venv from requirements.lock, install system fonts, rebuild the font cache

$(STAMP): pyproject.toml requirements.lock scripts/setup_system.sh
	scripts/setup_system.sh
	@command -v $(PYTHON_BOOTSTRAP) >/dev/null || { echo "需要 Python 3.11（$(PYTHON_BOOTSTRAP)）"; exit 1; }
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.lock
	# Make `pipeline` importable from anywhere (notebooks, scripts) without a build step.
	$(PY) -c 'import site, sys; open(site.getsitepackages()[0] + "/ankang_employment.pth", "w").write(sys.argv[1])' "$(CURDIR)"
	$(PY) -m pipeline fonts --rebuild-cache
	touch $(STAMP)

report: $(STAMP)  ## build and publish reports/$(YEAR)/ with its documents/, skipping unchanged stages (RAW=<dir>, JOBS=<n>, FORCE=1, ACCEPT=1 after 审定, FRESH_KERNELS=1: a fresh kernel for every notebook instead of the started ones; UNIT=610902: a county over its towns, reports/units/610902/$(YEAR)/)
	$(PY) -m pipeline report --year $(YEAR) $(if $(RAW),--raw $(RAW)) $(if $(UNIT),--unit $(UNIT)) $(if $(JOBS),--jobs $(JOBS)) $(if $(FORCE),--force) $(if $(ACCEPT),--accept-changes) $(if $(FRESH_KERNELS),--no-reuse-kernels)

towns: $(STAMP)  ## the whole-city town run: every county over its towns (config/units/), then the city; prints each run's result (JOBS=<n>: units at a time, default the cores; FORCE=1)
	$(PY) -m pipeline towns --year $(YEAR) $(if $(JOBS),--jobs $(JOBS)) $(if $(FORCE),--force)

documents: $(STAMP)  ## a copy of $(YEAR)'s documents in data/scratch/documents-$(YEAR)/ (the published ones come with make report)
	$(PY) -m pipeline documents --year $(YEAR)

test: $(STAMP)  ## lint, format check, unit tests and notebook smoke tests
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -n 2 --dist loadgroup --nbval-lax tests notebooks

lint: $(STAMP)
	$(PY) -m ruff check .

format: $(STAMP)  ## apply ruff's formatting
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

lab: $(STAMP)  ## JupyterLab on the stage notebooks (run as they are, they write to data/scratch/)
	$(VENV)/bin/jupyter lab notebooks/

bench: $(STAMP)  ## cold/no-op run, one-process limit, 11/50/200 regions: writes docs/benchmark.md (long)
	$(PY) -m pipeline bench

backtest: $(STAMP)  ## rolling-origin backtests (M3, city yearbook, sample): writes docs/backtest.md
	$(PY) -m pipeline.tools.backtest

sample-data: $(STAMP)  ## rebuild the SAMPLE submissions in data/raw/ (seeded, reproducible)
	$(PY) scripts/make_sample_data.py --out data/raw $(foreach u,$(notdir $(wildcard config/units/*)),--unit $(u)) --departments

lock: $(STAMP)  ## re-pin requirements.lock from the current .venv
	$(PY) -m pip freeze --exclude-editable | sed '1i # Full pinned dependency set (pip freeze of a working .venv, Python 3.11). Regenerate with `make lock`.' > requirements.lock

clean:  ## remove processed data, reports, builds and the notebooks' scratch folder (data/raw is never touched)
	rm -rf data/processed/* reports/* data/builds data/scratch
