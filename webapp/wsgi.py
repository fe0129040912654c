"""WSGI entry point for gunicorn: ``gunicorn webapp.wsgi:app``.

jieba's dictionary and our lexicon are loaded here, as the app is built, rather than in the
first search a worker serves, which then does not take the extra second. With
``gunicorn --preload`` this module runs once in the master and the workers share those pages;
so the database connection that building the app used (to bring the schema up to date) is
closed here, and no connection crosses the fork: each worker opens its own.
"""

from indexer.dictionary import load_lexicon
from kb.config import Settings
from webapp import create_app
from webapp.db import close

settings = Settings.from_env()
app = create_app(settings)
load_lexicon(settings)
close(app)
