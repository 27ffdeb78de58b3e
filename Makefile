# Two entry points: `make demo` (set up, then serve the sample city) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test browser lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Set everything up, generate the Shanghai sample city, import it and serve it on 127.0.0.1:5000.
demo: $(STAMP)
	$(BIN)/loopmap demo

## Debian's chromium and chromedriver for the browser tests (skipped when they cannot be installed).
browser:
	@command -v chromium >/dev/null 2>&1 && test -x /usr/bin/chromedriver || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } || \
	  echo "chromium could not be installed: the browser tests will be skipped"

## Set everything up and run the checks: formatting, lint, types, the test suite.
test: $(STAMP) browser
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Benchmarks print their figures; see bench/README.md.
bench: $(STAMP)
	$(BIN)/python bench/bench_import.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
