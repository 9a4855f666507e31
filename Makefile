# README's two commands are `make ci` (the pipeline on app/) and `make test` (every test tier).
# Each sets up what it needs from nothing (scripts/setup.sh): `make ci` only what ci on app/ uses (engine,
# registries, builder, Trivy and golangci-lint images, Trivy DB, venv); `make test` adds the test-only tools.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
VENV := .venv/bin
ENGINE_ENV = eval "$$(scripts/engine-env)"; export PYTHONPATH=$(CURDIR)
PYTEST_ARGS ?=
# Go code that must be gofmt-clean (fixtures with a gofmt diff or a vet finding are broken on purpose).
GO_CLEAN := app scripts/sdk/python tests/fixtures/trivydb tests/fixtures/embed-assets tests/fixtures/other-port tests/fixtures/workspace tests/fixtures/hanging-test tests/fixtures/cgo-dep tests/fixtures/vendored \
	tests/fixtures/bench-slowdown/base tests/fixtures/bench-slowdown/head tests/fixtures/vulnerable-unreachable \
	tests/fixtures/integration-redis tests/fixtures/lint-finding tests/fixtures/generated \
	tests/fixtures/unprivileged

.PHONY: setup setup-ci venv engine-up engine-down check test unit ci bench bench-peers peers-down realworld \
	fresh-machine clean

venv:
	@bash scripts/venv.sh

# The engine alone (built if needed); registries and images come with setup / setup-ci.
engine-up:
	@bash scripts/engine-up.sh

engine-down:
	@bash scripts/engine-down.sh

setup-ci:
	@bash scripts/setup.sh ci

setup:
	@bash scripts/setup.sh test

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

ci: setup-ci
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

# Replay a fresh machine without losing this one's state (README: "Set-up on a fresh machine").
fresh-machine:
	@bash scripts/fresh-machine.sh $(FRESH_ARGS)

clean: engine-down
	rm -rf .venv
