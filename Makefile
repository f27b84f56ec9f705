# Two entry points for a fresh machine with only Python 3.11 and make:
#   make run   - the whole stack (embedded NATS and PostgreSQL unless HELPDESK_*_URL are set)
#   make test  - lint and the whole test suite against real NATS and PostgreSQL
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test lint typecheck bench bench-backbone bench-consumers bench-gateway bench-tickets asyncapi console-api clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml shared/pyproject.toml cli/pyproject.toml $(wildcard services/*/pyproject.toml)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

run: $(VENV)/.synced
	$(VENV)/bin/helpdesk up

test: $(VENV)/.synced lint typecheck
	$(VENV)/bin/pytest

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Every service's package (services/<name>/<name with underscores>), the shared library and the command.
SERVICE_PACKAGES := $(foreach service,$(wildcard services/*),$(service)/$(subst -,_,$(notdir $(service))))

typecheck: $(VENV)/.synced
	$(VENV)/bin/mypy shared cli $(SERVICE_PACKAGES)

asyncapi: $(VENV)/.synced
	$(VENV)/bin/helpdesk asyncapi --output docs/asyncapi.json

# The platform's OpenAPI document, built offline (nothing started), which the console's API client is made from.
console-api: $(VENV)/.synced
	$(VENV)/bin/helpdesk openapi --output console/openapi.json

bench: bench-backbone bench-gateway bench-tickets

bench-backbone: $(VENV)/.synced
	$(VENV)/bin/python -m bench.backbone

# The platform's consumer loop against FastStream's batch subscriber (docs/architecture.md, the bus).
bench-consumers: $(VENV)/.synced
	$(VENV)/bin/python -m bench.consumers

# wrk (Debian) drives the load: apt-get install -y wrk
bench-gateway: $(VENV)/.synced
	$(VENV)/bin/python -m bench.gateway

bench-tickets: $(VENV)/.synced
	$(VENV)/bin/python -m bench.tickets

clean:
	rm -rf $(VENV) .tools .pytest_cache .ruff_cache .mypy_cache
