# make run: set up, train if needed, start the assistant.  make test: set up, train, run every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# No usage reports to Rasa: the machines here reach only the package registries.
export RASA_TELEMETRY_ENABLED := false

VENV   := .venv
PY     := $(VENV)/bin/python
RASA   := $(VENV)/bin/rasa
# The domain core's own venv on a current Python, without Rasa (requirements-core.txt).
CORE_VENV := .venv-core
CORE := bot/knowledge bot/dialogue bot/privacy/redaction.py bot/privacy/secrets.py bot/privacy/normalise.py bot/nlu/gazetteer.py
# Rasa 3.6 needs Python 3.10: take it from PATH, or pyenv's where it is not the default. Same for 3.12.
find_python = $(shell if python$(1) -c '' 2>/dev/null; then echo python$(1); \
                      elif PYENV_VERSION=$(1) python$(1) -c '' 2>/dev/null; then echo 'PYENV_VERSION=$(1) python$(1)'; fi)
PYTHON310 := $(call find_python,3.10)
PYTHON312 := $(call find_python,3.12)
MODEL_INPUTS := config.yml domain.yml $(wildcard data/*.yml) bot/nlu/gazetteer.yml

.PHONY: help setup train run test test-unit test-core test-adversarial lint screenshots bench bench-masking eval validate purge report clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	@if [ -z "$(PYTHON310)" ]; then echo "Python 3.10 is required (Rasa 3.6 supports 3.8-3.10): install python3.10 and python3.10-venv, or pyenv install 3.10" >&2; exit 1; fi
	[ -x $(PY) ] || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.0"
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

$(CORE_VENV)/.installed: requirements-core.txt
	@if [ -z "$(PYTHON312)" ]; then echo "Python 3.12 is required for the core's tests: install python3.12 and python3.12-venv, or pyenv install 3.12" >&2; exit 1; fi
	[ -x $(CORE_VENV)/bin/python ] || $(PYTHON312) -m venv $(CORE_VENV)
	$(CORE_VENV)/bin/python -m pip install --quiet -r requirements-core.txt
	touch $@

# The web chat widget's browser dependency (socket.io client), pinned by package-lock.json; served locally.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is required for the web chat widget: install Node.js with npm (e.g. apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed  ## create the venv and install pinned dependencies

# Rasa skips training by itself when data and config have not changed (model fingerprint).
models/.latest: $(VENV)/.installed $(MODEL_INPUTS)
	$(PY) -m bot.knowledge
	$(PY) -m bot.ops.rasa_cli train --quiet --num-threads 2
	touch $@

train: models/.latest  ## train the model if data or config changed

run: train node_modules/.installed  ## start the action server, the Rasa server and the web chat page (Ctrl-C stops them)
	$(PY) -m bot.ops.run

test: train node_modules/.installed test-core  ## run every test: all tiers, and the core's on Python 3.12
	$(PY) -m pytest

test-unit: train  ## the unit tier only, less its slow equivalence runs (no servers; under a minute)
	$(PY) -m pytest tests/unit -m "not slow"

# Issue 20's attacker probes, each against real servers (REST, socket.io, the Slack and Telegram fakes), the
# fuzz runs and the deploy defaults; `make test` runs them too.
ADVERSARIAL := tests/live/test_hostile.py tests/live/test_spellings.py tests/live/test_erasure.py \
               tests/live/test_socketio.py tests/live/test_trust.py tests/live/test_fuzz_live.py \
               tests/unit/test_fuzz.py tests/cluster/test_deploy.py

test-adversarial: train  ## the attacker's probes (issue 20) against live servers, the fuzz runs, deploy defaults
	$(PY) -m pytest $(ADVERSARIAL)

test-core: $(CORE_VENV)/.installed  ## the domain core's unit tests on Python 3.12, without Rasa
	$(CORE_VENV)/bin/python -m pytest -p no:cacheprovider tests/unit/core

lint: $(VENV)/.installed $(CORE_VENV)/.installed  ## ruff, and mypy on the domain core
	$(VENV)/bin/ruff check bot actions tests bench
	$(CORE_VENV)/bin/mypy --ignore-missing-imports $(CORE)

screenshots: train node_modules/.installed  ## refresh docs/widget.png, docs/widget-phone.png and docs/insights-report.png
	SCREENSHOT_DIR=docs $(PY) -m pytest tests/browser

bench: $(VENV)/.installed  ## benchmark against a stock `rasa init` bot; writes docs/performance.md (~6 min)
	$(PY) -m bench.performance

eval: train  ## start the bot on private ports; the dev conversations and NLU sets of ../shared/eval (~1 min)
	$(PY) -m bench.eval

bench-masking: train  ## masking's worst case, and a health probe under a stream of worst-case messages (~1 min)
	$(PY) -m bench.masking

validate: setup  ## rasa data validate
	$(RASA) data validate --fail-on-warnings

purge: $(VENV)/.installed  ## delete conversations older than RETENTION_DAYS (90) from the tracker store
	$(PY) -m bot.privacy.retention

report: $(VENV)/.installed  ## insights of the tracker store the server uses: var/report/index.html (docs/insights.md)
	$(PY) -m bot.insights $(REPORT_ARGS)

clean:  ## remove the venvs, models and runtime state
	rm -rf $(VENV) $(CORE_VENV) models var node_modules
