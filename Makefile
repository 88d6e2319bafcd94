# The two commands: `make run` (the product, with demo data and the WeChat sandbox)
# and `make test` (the whole test suite). Both build .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format clean bench bench-postgres bench-scale lock check-lock

# The venv is installed from the lock file only: every package of the tree pinned with its
# hashes (pip refuses anything else). `make lock` rebuilds the locks from the pins in
# requirements*.txt; `make check-lock` tells whether they still agree.
$(STAMP): requirements.lock requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	$(PY) -m pip check
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

# ruff (style, bugbear, security rules S, module and public-function docstrings on app/)
# and mypy on app/ (pyproject.toml; docs/decisions/0907-checkable-rules.md).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy app

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Rebuild both locks from requirements.txt / requirements-dev.txt (needs the index).
lock: $(STAMP)
	$(VENV)/bin/uv pip compile requirements.txt --generate-hashes --python-version 3.11 \
		--no-header --quiet -o requirements.lock
	$(VENV)/bin/uv pip compile requirements-dev.txt -c requirements.lock --generate-hashes \
		--python-version 3.11 --no-header --quiet -o requirements-dev.lock

check-lock: $(STAMP)
	$(PY) scripts/check_lock.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache
