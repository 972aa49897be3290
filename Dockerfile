# The production image: built front-end files from Node, then the Django site on Python 3.11.
FROM node:20-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev
COPY static ./static
RUN npm run build

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# The dependencies first, in a layer of their own that only a change to pyproject.toml rebuilds:
# with no app copied yet, this installs the project's requirements and no code.
COPY pyproject.toml README.md ./
RUN pip install .
# Then the site itself: every app, templates, static files, manage.py and gunicorn.conf.py
# (.dockerignore keeps out local databases, uploads, secrets and build output).
COPY . .
RUN pip install --no-deps --force-reinstall . && python -c "import network, members, invitations, board"
COPY --from=frontend /app/build ./build
COPY --from=frontend /app/node_modules/nhsuk-frontend/dist/nhsuk/assets ./node_modules/nhsuk-frontend/dist/nhsuk/assets
# collectstatic reads settings, which insist on a secret key outside DEBUG; this one is used
# for nothing else and never reaches a running container.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input
# Uploads live on a volume at /data/media (docker-compose.yml) unless a bucket is configured.
RUN useradd --create-home network && mkdir -p /data/media && chown -R network /app /data/media
USER network
ENV MEDIA_ROOT=/data/media
EXPOSE 8000
CMD ["gunicorn", "--config", "gunicorn.conf.py", "network.wsgi"]
