# Career Relay: one image for every role (server, worker, migrate); the command picks the role.
# Production settings: RELAY_SECRET_KEY (32+ random characters) and the service URLs are
# required, or the container exits with a one-line reason.
#   docker build -t career-relay .
#   docker run --env-file relay.env -p 8000:8000 career-relay            # relay serve
#   docker run --env-file relay.env career-relay relay worker            # or: relay migrate
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RELAY_ENV=production

RUN groupadd --system --gid 10001 relay \
    && useradd --system --uid 10001 --gid relay --create-home --home-dir /home/relay \
       --shell /usr/sbin/nologin relay

# A regular (non-editable) install without the dev/embedded extras; the sources are removed
# afterwards, so the code runs only from site-packages and `relay` lands in /usr/local/bin.
WORKDIR /tmp/src
COPY pyproject.toml README.md ./
COPY server ./server
COPY schema ./schema
COPY workers ./workers
COPY web ./web
COPY relay ./relay
RUN pip install . && cd / && rm -rf /tmp/src

# RELAY_VAR_DIR defaults to ./var: keep it somewhere the unprivileged user may write.
USER relay
WORKDIR /home/relay

EXPOSE 8000

# Liveness of the HTTP server (slim has no curl). The compose file overrides it for the worker
# (arq's own check) and disables it for the one-shot migrate container.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["relay", "serve", "--host", "0.0.0.0", "--port", "8000"]
