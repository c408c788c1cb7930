# Two commands on a machine that has only Python 3.11+ and make: `make demo` and `make test`.
# Both bootstrap .venv, re-installing only when pyproject.toml or constraints.txt changed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test lint typecheck unit scale-test bench examples lock clean

# --no-compile: Python writes bytecode on first import, for the modules used; pip would compile every module of
# every package first (~20 s of CPU, half of the install).
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23"
	$(BIN)/python -m pip install --quiet --no-compile -c constraints.txt -e '.[dev]'
	touch $@

demo: $(STAMP)
	KIEMDIEM_HOME=$(CURDIR)/.demo $(BIN)/kiemdiem demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy models flows

# Four at a time on two cores: most tests wait on subprocesses, servers and sockets, not on the CPU (pytest 356 s with
# four, 412-430 s with three, quiet machine, 2026-12-03). A file's tests run on one worker (as --dist loadfile would),
# the Prefect ones together (tests/conftest.py PREFECT_HARNESS). tests/test_scale_out.py (a Prefect server on
# PostgreSQL, two workers, a SIGKILL and its recovery: about a minute on a quiet machine) starts first; `make
# scale-test` runs it alone.
unit: $(STAMP)
	$(BIN)/pytest -q -n 4 --dist loadgroup --no-loadscope-reorder --durations=15

scale-test: $(STAMP)
	$(BIN)/pytest -q tests/test_scale_out.py

# The type check (~18 s on one core) runs beside the tests, its output shown when it ends; either failing fails.
test: lint
	$(MAKE) --no-print-directory -j 2 --output-sync=target typecheck unit

bench: $(STAMP)
	$(BIN)/python -m benchmarks

examples: $(STAMP)
	$(BIN)/python deploy/examples/generate.py

lock: $(STAMP)
	{ echo "# Exact versions installed by 'make' (pip install -c constraints.txt). Regenerate with 'make lock'."; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -vi '^kiemdiem'; } > constraints.txt

clean:
	rm -rf $(VENV) .demo
