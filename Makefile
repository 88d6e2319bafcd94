# The two commands: `make run` (the product, with demo data and the WeChat sandbox)
# and `make test` (the whole test suite). Both build .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format clean bench bench-postgres bench-scale

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m app.launcher

test: $(STAMP)
	$(PY) -m pytest

# Benchmarks (not part of `make test`): wrk against gunicorn next to a bare Flask baseline.
bench: $(STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)

bench-postgres: $(STAMP)
	$(PY) -m bench.run --postgres $(BENCH_ARGS)

bench-scale: $(STAMP)
	$(PY) -m bench.scale $(BENCH_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
