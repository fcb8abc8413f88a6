# make run: set up, train if needed, start the assistant.  make test: set up, train, run every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# No usage reports to Rasa: the machines here reach only the package registries.
export RASA_TELEMETRY_ENABLED := false

VENV   := .venv
PY     := $(VENV)/bin/python
RASA   := $(VENV)/bin/rasa
# Rasa 3.6 needs Python 3.10: take python3.10 from PATH, or pyenv's 3.10 where it is not the default.
PYTHON310 := $(shell if python3.10 -c '' 2>/dev/null; then echo python3.10; \
                     elif PYENV_VERSION=3.10 python3.10 -c '' 2>/dev/null; then echo 'PYENV_VERSION=3.10 python3.10'; fi)
MODEL_INPUTS := config.yml domain.yml $(wildcard data/*.yml)

.PHONY: help setup train run test bench lint validate clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt constraints.txt
	@if [ -z "$(PYTHON310)" ]; then echo "Python 3.10 is required (Rasa 3.6 supports 3.8-3.10): install python3.10 and python3.10-venv, or pyenv install 3.10" >&2; exit 1; fi
	[ -x $(PY) ] || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.0"
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

# The web chat widget's browser dependency (socket.io client), pinned by package-lock.json; served locally.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is required for the web chat widget: install Node.js with npm (e.g. apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed  ## create the venv and install pinned dependencies

# Rasa skips training by itself when data and config have not changed (model fingerprint).
models/.latest: $(VENV)/.installed $(MODEL_INPUTS)
	$(PY) -m bot.knowledge_base
	$(PY) -m bot.rasa_cli train --quiet --num-threads 2
	touch $@

train: models/.latest  ## train the model if data or config changed

run: train node_modules/.installed  ## start the action server, the Rasa server and the web chat page (Ctrl-C stops them)
	$(PY) -m bot.servers

test: train node_modules/.installed  ## run the whole test suite
	$(PY) -m pytest

bench: $(VENV)/.installed  ## benchmark against a stock `rasa init` bot; writes docs/performance.md (~6 min)
	$(PY) bench/performance.py

lint: setup  ## ruff
	$(VENV)/bin/ruff check bot actions tests

validate: setup  ## rasa data validate
	$(RASA) data validate --fail-on-warnings

clean:  ## remove the venv, models and runtime state
	rm -rf $(VENV) models var node_modules
