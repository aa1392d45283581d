# mailbot in a container: the worker (`mailbot run`) as a non-root user, its state on a volume.
#   docker build -t mailbot .
#   docker run -d --name mailbot --stop-timeout 15 \
#     -v mailbot-state:/data -v "$PWD/config:/config:ro" \
#     -e MAILBOT_SMTP__PASSWORD -e MAILBOT_IMAP__PASSWORD mailbot
# The shipped sample config is in /config until a folder of your own is mounted there.
# Logs go to stderr (`docker logs`); add `--log-format json` or -e MAILBOT_LOG_FORMAT=json.
# BASE: another Python 3.11 image with pip and useradd (a mirror's copy, a local build).
ARG BASE=python:3.11-slim
FROM ${BASE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY mailbot ./mailbot
COPY templates ./templates
COPY config ./config
RUN pip install . \
    && mkdir -p /config /data \
    && cp -r config/. /config/ \
    && rm -rf /src \
    && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home mailbot \
    && chown mailbot:mailbot /data

# Config (and ledger, templates) read from /config; state file, lock and Maildir folders
# written to /data, the one volume.
ENV MAILBOT_CONFIG=/config/mailbot.toml \
    MAILBOT_STATE__PATH=/data/mailbot.db \
    MAILBOT_MAIL__DIR=/data/mail
VOLUME ["/data"]
WORKDIR /data
USER mailbot

# `mailbot health`: exit 0 only when a pass completed within two intervals.
HEALTHCHECK --interval=60s --timeout=10s --start-period=120s --retries=3 CMD ["mailbot", "health"]
# SIGTERM (docker stop): the mail at hand is finished, exit 0 within 10 s.
STOPSIGNAL SIGTERM
CMD ["mailbot", "run"]
