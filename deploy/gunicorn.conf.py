"""gunicorn settings for LegalCases (docs/deploy.md). Every value can be overridden by environment.

gunicorn runs behind nginx, which buffers whole requests and responses, so slow clients tie up
nginx (cheap) and never a sync worker (expensive). Run:
    gunicorn -c deploy/gunicorn.conf.py legalcases.wsgi:application
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: the app is CPU- and database-bound; nginx absorbs slow clients.
worker_class = "sync"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Longer than any page should take (PDF packages go to Celery); a hung request is killed, not waited on.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows; jitter avoids restarting all at once.
max_requests = 2000
max_requests_jitter = 200
# Request line and header limits (gunicorn's defaults, stated): oversized headers are refused early.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Only nginx (on this host) may say which scheme the client used (settings: BEHIND_TLS_PROXY).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips
# Logs to stdout/stderr (journald or docker collect them). The access log has the path without
# its query string (%(U)s, not %(r)s): searches by phone or name must not land in a log file.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%({x-request-id}o)s"'
# No "Server: gunicorn/x.y" banner details leave through nginx (it sets its own, without version).
proc_name = "legalcases-web"
# Load the app before forking: workers share memory and a broken configuration fails at start.
preload_app = True
