# dialogue in one container: embedded SQLite in the /data volume by default.
# For PostgreSQL and Redis, set DIALOGUE_DATABASE_URL and DIALOGUE_REDIS_URL (see README.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

# The PDF report (WeasyPrint) needs Pango and HarfBuzz, its charts (CairoSVG) need Cairo;
# the report's fonts are DejaVu, with Noto CJK for names and quotes in Chinese, Japanese
# or Korean. Apertium and its language pairs translate posts on this machine.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libcairo2 \
        fonts-dejavu-core fonts-noto-cjk \
        apertium apertium-eng-spa apertium-fr-es apertium-es-pt \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 dialogue \
 && useradd --system --uid 10001 --gid dialogue --no-create-home --home-dir /data \
        --shell /usr/sbin/nologin dialogue \
 && python -m venv /opt/venv

WORKDIR /app

# Dependencies first, at the lock file's exact versions and in their own layer, so that a
# code change does not reinstall them.
COPY requirements.lock ./
RUN pip install -r requirements.lock

# The same install as the README's: editable, because the app finds its templates, static
# files and Alembic migrations beside the source tree in /app.
COPY . .
RUN pip install --no-deps -e .

RUN mkdir -p /data && chown dialogue:dialogue /data
ENV DIALOGUE_DATABASE_URL=sqlite:////data/dialogue.db
VOLUME ["/data"]

USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["dialogue", "serve", "--host", "0.0.0.0", "--port", "8000"]
