# The two commands a user needs: `make run` and `make test`. Everything else is for developers.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

UV ?= $(shell command -v uv 2>/dev/null || echo uv)
PYTEST_ARGS ?=

.PHONY: help install system-deps node-deps run test chaos test-unit lint format bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: ## Install uv (if missing) and the locked Python environment
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	@uv sync --frozen --quiet

system-deps: ## Install what the local stack and checks need from Debian (Postgres, promtool, Alertmanager, Chromium)
	@missing=""; \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	  command -v promtool >/dev/null 2>&1 || missing="$$missing prometheus"; \
	  command -v prometheus-alertmanager >/dev/null 2>&1 || missing="$$missing prometheus-alertmanager"; \
	  [ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	  if [ -n "$$missing" ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  fi
	@command -v java >/dev/null 2>&1 || { echo "Java 17+ is needed to run Kafka (apt-get install openjdk-17-jre-headless)"; exit 1; }
	@command -v mvn >/dev/null 2>&1 || { echo "Maven is needed to fetch Kafka (apt-get install maven)"; exit 1; }

node-deps: ## Install the pinned Node packages of the tests (Teams cards checker, axe-core), npm ci
	@command -v npm >/dev/null 2>&1 || { echo "installing Debian packages: nodejs npm"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; }
	@npm ci --prefix tests/adaptivecards --no-audit --no-fund --silent
	@npm ci --prefix tests/browser/axe --no-audit --no-fund --silent

run: install system-deps ## Start Kafka, Postgres, the three services and a demo inbox; Ctrl-C stops all
	@uv run --frozen python -m devstack.run

test: install system-deps node-deps lint ## Lint, then unit + integration + end-to-end tests against real Kafka and Postgres
	@uv run --frozen python -m devstack fetch
	@uv run --frozen pytest $(PYTEST_ARGS)

chaos: install system-deps ## Only the fault-injection suite (kill -9, crashes, outages under load); part of `make test`
	@uv run --frozen python -m devstack fetch
	@uv run --frozen pytest -m chaos $(PYTEST_ARGS)

test-unit: install node-deps ## Only the pure unit tests (no infrastructure)
	@uv run --frozen pytest tests/unit $(PYTEST_ARGS)

lint: install ## Ruff (lint + format check) and mypy --strict
	@uv run --frozen ruff check .
	@uv run --frozen ruff format --check .
	@uv run --frozen mypy

format: install ## Apply ruff's fixes and formatting
	@uv run --frozen ruff check --fix .
	@uv run --frozen ruff format .

bench: install system-deps ## Benchmarks (core, intake, router, notifier, console); prints the figures
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
	@for b in core intake router notifier console; do echo "== $$b"; uv run --frozen python benchmarks/bench_$$b.py; done

clean: ## Remove caches and run folders (not the Kafka jar cache)
	rm -rf .run .pytest_cache .mypy_cache .ruff_cache .hypothesis
