# The production image: built front-end files from Node, then the Django site on Python 3.11.
FROM node:20-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev
COPY static ./static
RUN npm run build

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY network ./network
COPY members ./members
COPY board ./board
RUN pip install --no-cache-dir .
COPY . .
COPY --from=frontend /app/build ./build
COPY --from=frontend /app/node_modules/nhsuk-frontend/dist/nhsuk/assets ./node_modules/nhsuk-frontend/dist/nhsuk/assets
# collectstatic reads settings, which insist on a secret key outside DEBUG; this one is used
# for nothing else and never reaches a running container.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input
RUN useradd --create-home network && chown -R network /app
USER network
EXPOSE 8000
CMD ["gunicorn", "network.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
