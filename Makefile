# README's two commands are `make ci` (the pipeline on app/) and `make test` (every test tier).
# Both set up everything they need from nothing: Go-built Dagger engine, registries, base images, venv.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
VENV := .venv/bin
ENGINE_ENV = eval "$$(scripts/engine-env)"; export PYTHONPATH=$(CURDIR)
PYTEST_ARGS ?=
# Go code that must be gofmt-clean (fixtures with a gofmt diff or a vet finding are broken on purpose).
GO_CLEAN := app scripts/sdk/python-runtime tests/fixtures/trivydb tests/fixtures/embed-assets tests/fixtures/other-port tests/fixtures/workspace tests/fixtures/hanging-test tests/fixtures/cgo-dep tests/fixtures/vendored \
	tests/fixtures/bench-slowdown/base tests/fixtures/bench-slowdown/head tests/fixtures/vulnerable-unreachable \
	tests/fixtures/integration-redis tests/fixtures/lint-finding

.PHONY: setup venv engine-up engine-down check test unit ci bench bench-peers peers-down realworld clean

venv:
	@bash scripts/venv.sh

engine-up: venv
	@bash scripts/engine-up.sh

engine-down:
	@bash scripts/engine-down.sh

setup: venv engine-up

# Fixed order: format -> types -> lint (then tests, in `test`).
check: venv
	$(VENV)/ruff format --check pipeline pipeline_cli tests scripts bench
	$(VENV)/pyright
	$(VENV)/ruff check pipeline pipeline_cli tests scripts bench
	@test -z "$$(gofmt -l $(GO_CLEAN))" || { gofmt -l $(GO_CLEAN); echo "gofmt: files above need formatting"; exit 1; }
	cd app && go vet ./...
	cd tests/fixtures/trivydb && go vet ./...

unit: venv
	$(VENV)/pytest tests/unit tests/contract -q

test: setup check
	$(ENGINE_ENV); $(VENV)/pytest $(PYTEST_ARGS)

ci: setup
	$(ENGINE_ENV); $(VENV)/pipeline ci --source app

bench: setup
	$(ENGINE_ENV); $(VENV)/python bench/bench.py
	$(VENV)/python bench/chart.py

# The pipeline against BuildKit (Debian's dockerd), ko and Dagger's Go toolchain; scripts/peers-up.sh installs
# and starts the peers. Apart from `bench`: one run takes longer than the rest of the benchmark (README).
bench-peers: setup
	$(ENGINE_ENV); eval "$$(bash scripts/peers-up.sh)"; $(VENV)/python bench/peers.py

peers-down:
	@bash scripts/peers-up.sh down

# `ci` on real open-source Go services fetched from the Go module proxy (pins.REAL_SERVICES; README's table).
realworld: setup
	$(ENGINE_ENV); $(VENV)/python bench/realworld.py

clean: engine-down
	rm -rf .venv
