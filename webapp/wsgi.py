"""WSGI entry point for gunicorn: ``gunicorn webapp.wsgi:app``.

jieba's dictionary and our lexicon are loaded here, as the app is built, rather than in the
first search a worker serves, which then does not take the extra second. With
``gunicorn --preload`` this module runs once in the master and the workers share those pages;
so the database connection that building the app used (to bring the schema up to date) is
closed here, and no connection crosses the fork: each worker opens its own.

The search index is opened and warmed here too (:func:`indexer.search.warm`), so a worker's
first search is as fast as the others (issue 16). Under ``--preload`` the workers inherit the
master's warm view: its arrays are pages the workers share, and Whoosh reads its compound
segment files through ``mmap``, which no fork disturbs; a worker opens its own searcher as soon
as the index changes. What was built up to then is frozen (:func:`gc.freeze`), so that the
collector never copies those shared pages into a worker. (gunicorn reads ``gunicorn.conf.py``
from its working directory, so ``--preload`` is on even without ``-c``.)

Each worker also follows the database's change log (:mod:`indexer.follow`): a write made on
another node, or by ``kb ingest`` on this one, reaches this node's search within about
``KB_FOLLOW_INTERVAL`` seconds (default 1; ``0`` turns it off, for a node that runs
``kb follow`` instead). The follower thread starts on a worker's first request, so it is never
started in a preloading master and never crosses a fork.
"""

import gc
import os

from indexer.dictionary import load_lexicon
from indexer.follow import INTERVAL
from indexer.follow import Follower
from indexer.search import warm
from kb.config import Settings
from webapp import create_app
from webapp.db import close

settings = Settings.from_env()
app = create_app(settings)
load_lexicon(settings)
warm(settings)
close(app)
# Everything built so far lives as long as the process: out of the collector's sight, its
# pages are never written again, so preloaded workers keep sharing them with the master
# (the collector writes to every object it examines, which copies a shared page).
gc.freeze()

_interval = float(os.environ.get("KB_FOLLOW_INTERVAL") or INTERVAL)
if _interval > 0:
    follower = Follower(settings, app.extensions["kb"]["sessions"], interval=_interval)

    @app.before_request
    def _follow_the_database() -> None:
        follower.ensure_started()
