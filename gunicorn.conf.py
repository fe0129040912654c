"""gunicorn settings for 标准库 in production: ``gunicorn -c gunicorn.conf.py webapp.wsgi:app``.

gunicorn answers some errors itself, as HTML, before the app sees the request: a request line
longer than ``limit_request_line`` (414), a header larger than ``limit_request_field_size`` (431
or 400), a worker killed at ``timeout`` (500 or a dropped connection). These limits are set so
that no valid request of the API or the pages comes near them; every request the app refuses
gets the API's JSON error shape or a Chinese page from the app itself.

- Request line 8,190 bytes (gunicorn's largest finite value). The longest valid URL is a search
  with every filter at its longest: q ≤ 200 characters and five filters ≤ 100 characters, all
  Chinese, percent-encoded (9 bytes a character): about 6,600 bytes.
- Header fields 8,190 bytes each, at most 100: an API token is 43 characters, the session
  cookie under 200 bytes.
- Worker timeout 60 s: every request is bounded well inside it (kb/files/limits.py: a sheet of
  at most 12,000 rows checks in about 10 s; text and cell limits; JSON depth).
- Body size is the app's (20 MiB, a JSON 413).

Every value can be overridden on the command line or with ``GUNICORN_CMD_ARGS``.
"""

import os

bind = os.environ.get("KB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("KB_WORKERS", "2"))
worker_class = "sync"
# jieba's dictionary and our lexicon load once in the master; workers share those pages.
preload_app = True
timeout = 60
graceful_timeout = 30
keepalive = 5
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
