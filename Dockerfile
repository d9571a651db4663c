# fr-monitor container image.
# BASE_IMAGE: any image with Python 3.11+ and venv, e.g. a locally built base where no registry is reachable.
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY monitor ./monitor
# The libraries are the pinned ones (constraints.txt), as CI tests them.
# An optional build secret `pip_cert` (a CA bundle) lets pip reach PyPI through an intercepting proxy.
RUN --mount=type=secret,id=pip_cert \
    if [ -s /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi \
    && python3 -m venv /opt/fr-monitor \
    && /opt/fr-monitor/bin/pip install --no-compile -c constraints.txt . \
    && find /opt/fr-monitor -name '__pycache__' -prune -exec rm -rf {} +

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="fr-monitor" \
      org.opencontainers.image.description="Watches US federal sources for AI-related rules and sends alerts"
COPY --from=build /opt/fr-monitor /opt/fr-monitor
COPY config/container.toml /config/monitor.toml
# What a container needs and nothing more: the defaults of a mounted config file apply to everything else.
ENV PATH=/opt/fr-monitor/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MONITOR_CONFIG=/config/monitor.toml \
    MONITOR_DATA_DIR=/data \
    MONITOR_WEB__HOST=0.0.0.0
RUN mkdir -p /data && chown 10001:10001 /data
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 CMD ["fr-monitor", "healthcheck"]
# Python is PID 1 and handles SIGTERM itself: it stops polling, finishes or parks deliveries, exits 0.
ENTRYPOINT ["fr-monitor"]
CMD ["run"]
