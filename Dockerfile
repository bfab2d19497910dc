# syntax=docker/dockerfile:1
# One image recipe for the three services and the one-shot set-up.
# Build a service:   docker build --target intake -t escalations-intake .
# Targets: intake, router, notifier, setup (all share the same runtime layers).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- builder: resolve the locked dependencies into /opt/venv with uv ----
FROM ${PYTHON_IMAGE} AS builder
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
# Bytecode is compiled here so the read-only runtime never writes .pyc files.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv
WORKDIR /src

# Workspace metadata first: the dependency layer is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock .python-version ./
COPY shared/pyproject.toml shared/
COPY services/intake/pyproject.toml services/intake/
COPY services/router/pyproject.toml services/router/
COPY services/notifier/pyproject.toml services/notifier/
COPY tools/devstack/pyproject.toml tools/devstack/
RUN uv sync --frozen --no-dev --no-install-workspace \
        --package escalations-intake \
        --package escalations-router \
        --package escalations-notifier

# Then the code, installed as real wheels (not editable) so the runtime needs no sources.
COPY shared/src shared/src
COPY services/intake/src services/intake/src
COPY services/router/src services/router/src
COPY services/notifier/src services/notifier/src
RUN uv sync --frozen --no-dev --no-editable \
        --package escalations-intake \
        --package escalations-router \
        --package escalations-notifier

# ---- runtime: slim Python, the venv, an unprivileged user, no build tools ----
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 escalations \
 && useradd --system --uid 10001 --gid escalations --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin escalations
# The venv stays root-owned: the service user can run it but not modify it.
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
USER 10001:10001

FROM runtime AS setup
CMD ["python", "-m", "escalations.setup"]

FROM runtime AS router
ENV ROUTER_HTTP_HOST=0.0.0.0 ROUTER_HTTP_PORT=8081
EXPOSE 8081
CMD ["python", "-m", "escalations_router"]

FROM runtime AS notifier
ENV NOTIFIER_HTTP_HOST=0.0.0.0 NOTIFIER_HTTP_PORT=8082
EXPOSE 8082
CMD ["python", "-m", "escalations_notifier"]

# Last stage, so a plain `docker build .` gives the public API.
FROM runtime AS intake
ENV INTAKE_HOST=0.0.0.0 INTAKE_PORT=8080
EXPOSE 8080
CMD ["python", "-m", "escalations_intake"]
