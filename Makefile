# fieldpilot — the set-up commands. Each target creates .venv when it is missing.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint typecheck contracts chromium unit bench bench-api bench-engine bench-solvers bench-simulation bench-region serve clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "needs $(PY)"; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/fieldpilot demo

serve: $(STAMP)
	$(BIN)/fieldpilot serve

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest -n 2 -q

# Browser tests drive Debian's Chromium (never a downloaded browser); install it when missing.
chromium:
	@test -x /usr/bin/chromium || { command -v apt-get >/dev/null && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "chromium not installed: browser tests will be skipped"; }

check: lint typecheck contracts chromium unit

# The whole suite: linters, types, import contracts and every test tier that runs by default.
test: check

# Everything, about 90 minutes on 2 cores (the solver sets dominate: 56 x 1 s + 56 x 10 s + 60 x 10 s + 56 x 30 s).
bench: bench-api bench-engine bench-simulation bench-region bench-solvers

bench-api: $(STAMP)
	$(BIN)/python benchmarks/api_throughput.py

bench-engine: $(STAMP)
	$(BIN)/fieldpilot bench insertion

SHARED ?= ../shared/benchmarks
bench-solvers: $(STAMP)
	$(BIN)/python benchmarks/solver_quality.py $(SHARED)

bench-simulation: $(STAMP)
	$(BIN)/fieldpilot simulate --scenario metro --policies static,nearest,dynamic --seeds 10 --workers 2

# One region-scale day (400 technicians, ~5,000 orders) under dynamic dispatch: CPU and wall time per hour.
bench-region: $(STAMP)
	$(BIN)/python benchmarks/simulate_region.py --scenario region-scale --policy dynamic

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache fieldpilot.db* fieldpilot-demo.db*
