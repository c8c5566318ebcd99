# fieldpilot — the set-up commands. Each target creates .venv when it is missing.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint typecheck contracts chromium unit bench bench-api bench-engine serve clean

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

bench: bench-api bench-engine

bench-api: $(STAMP)
	$(BIN)/python benchmarks/api_throughput.py

bench-engine: $(STAMP)
	$(BIN)/fieldpilot bench insertion

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache fieldpilot.db*
