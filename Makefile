# The way in: `make run` and `make test` work on a fresh clone with only python3 (3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= brainstem.db

.PHONY: run test install bench clean conformance

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/brainstem demo --db $(DB)

test: $(VENV)/.installed-dev
	bash scripts/ensure-services
	$(BIN)/python -m pytest -q

conformance: $(VENV)/.installed
	$(BIN)/python ../shared/nodebrain/compare.py --dir ../shared/nodebrain/scenarios --cmd "$(abspath $(BIN))/brainstem nb --test"

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) build *.egg-info brainstem.db brainstem.db-wal brainstem.db-shm
