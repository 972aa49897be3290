"""gunicorn's settings for the production image (Dockerfile, docker-compose.yml).

Values here can be overridden on the command line, e.g. `--bind 127.0.0.1:8001`.
"""

import os

bind = "0.0.0.0:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Containers often have a disk-backed /tmp; the workers' heartbeat files belong in memory.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# The proxy in front buffers slow clients, so a worker is never held by one for long.
timeout = 30
graceful_timeout = 30
# Only the proxy reaches gunicorn; it passes the visitor's address and scheme in X-Forwarded-*
# headers, which Django reads (settings: TRUSTED_PROXY_COUNT, SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Both logs to standard output for the container runtime. The logger class drops query strings,
# the secret part of private links and email addresses before anything is written.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
logger_class = "network.logs.GunicornLogger"
# The last field is the request's id (network.middleware.RequestIdMiddleware).
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %({x-request-id}o)s'
# The control socket (gunicornc) is not used; without it nothing is written to $HOME.
control_socket_disable = True
