# imgprep — two commands on a fresh machine:
#   make run    creates .venv, installs, opens the app (no display: processes the sample shoot)
#   make test   creates .venv with the test extras and runs every test
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp-app
TSTAMP := $(VENV)/.stamp-test

.PHONY: run test bench lint sample clean-venv

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(TSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@ $(STAMP)

run: $(STAMP)
	@if $(BIN)/python -c "import sys; from imgprep.cli import has_display; sys.exit(0 if has_display() else 1)"; then \
		$(BIN)/python -m imgprep.gui.preflight || true; \
		$(BIN)/imgprep; \
	else \
		lib=build/sample-library-$$(date +%Y%m%d-%H%M%S); \
		echo "No display: processing the sample shoot into $$lib"; \
		mkdir -p $$lib-backup; \
		$(BIN)/imgprep batch assets/sample/shoots --library $$lib --backup $$lib-backup \
			--catalogue assets/sample/products.csv; \
		echo "Library: $$(pwd)/$$lib   (backup: $$(pwd)/$$lib-backup)"; \
	fi

test: $(TSTAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -p no:cacheprovider -n auto --maxprocesses 4 --dist loadfile

bench: $(TSTAMP)
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python tests/benchmarks/bench_batch.py

lint: $(TSTAMP)
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/ruff check imgprep tests
	$(BIN)/lint-imports

clean-venv:
	rm -rf $(VENV)
