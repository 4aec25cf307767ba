# The way in: `make run` and `make test` work on a fresh clone with only python3 (3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= brainstem.db
# The modules setup.py compiles with mypyc where it can (docs/native.md); a change to
# one of them rebuilds the compiled copy, which would otherwise shadow it.
NATIVE_SRC := $(wildcard brainstem/fingerprint/*.py) $(filter-out brainstem/detect/__init__.py,$(wildcard brainstem/detect/*.py)) setup.py
# After `make pure`, installs stay pure Python until `make native`.
PURE_ENV = $(if $(wildcard $(VENV)/.pure),BRAINSTEM_PURE=1)
# The compiled modules and the record of their sources, removed (they shadow the sources).
UNBUILD = find brainstem -name '*.so' -delete -o -name '*.pyd' -delete; rm -f brainstem/_native_sources.json
NATIVE_SAY = $(BIN)/python -c "import brainstem.fingerprint.miner as m, brainstem.detect.burst as b; print('brainstem: the miner and detectors are', 'compiled' if m.__file__.endswith(('.so', '.pyd')) and b.__file__.endswith(('.so', '.pyd')) else 'pure Python')"

.PHONY: run test install bench clean conformance native pure

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml setup.py | $(BIN)/python
	$(PURE_ENV) $(BIN)/python -m pip install --quiet -e .
	@$(NATIVE_SAY)
	touch $@ $(VENV)/.native

$(VENV)/.installed-dev: pyproject.toml setup.py | $(BIN)/python
	$(PURE_ENV) $(BIN)/python -m pip install --quiet -e '.[dev]'
	@$(NATIVE_SAY)
	touch $(VENV)/.installed $(VENV)/.native $@

# A compiled module older than its source: build again (pip's build compiles, or falls back).
$(VENV)/.native: $(NATIVE_SRC) | $(VENV)/.installed
	$(UNBUILD)
	$(PURE_ENV) $(BIN)/python -m pip install --quiet --no-deps -e .
	@$(NATIVE_SAY)
	touch $@

install: $(VENV)/.installed $(VENV)/.native

run: install
	$(BIN)/brainstem demo --db $(DB)

# Compile the miner and the detectors again (after `make pure`, or to see a compile's messages: -v).
native: | $(VENV)/.installed
	rm -f $(VENV)/.pure
	$(UNBUILD)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@$(NATIVE_SAY)
	touch $(VENV)/.native

# Back to pure Python (for profiling the Python code): the compiled modules removed.
pure:
	$(UNBUILD)
	mkdir -p $(VENV) && touch $(VENV)/.pure
	@if [ -x $(BIN)/python ]; then $(NATIVE_SAY); fi

test: $(VENV)/.installed-dev $(VENV)/.native
	bash scripts/ensure-services
	$(BIN)/python -m pytest -q

conformance: $(VENV)/.installed
	$(BIN)/python ../shared/nodebrain/compare.py --dir ../shared/nodebrain/scenarios --cmd "$(abspath $(BIN))/brainstem nb --test"

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) build *.egg-info brainstem.db brainstem.db-wal brainstem.db-shm
	$(UNBUILD)
