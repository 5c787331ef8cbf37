# Stockbot: `docker build -t stockbot .` then
# `docker run --env-file .env -v stockbot-data:/data stockbot`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY core ./core
COPY bot ./bot
COPY migrations ./migrations
RUN pip install . && useradd --create-home --uid 10001 stockbot \
    && mkdir /data && chown stockbot /data

USER stockbot
# The default SQLite database lives in the working directory: keep it on a volume.
WORKDIR /data
VOLUME ["/data"]
STOPSIGNAL SIGTERM
CMD ["stockbot", "run"]
