"""The Flask application: pages in Chinese and the JSON API, wired here and nowhere else."""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from kb.config import Settings
from webapp import api
from webapp import auth
from webapp import db
from webapp import errors
from webapp import pages
from webapp import security

#: Uploads larger than this are refused with 413 before they are parsed.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app for ``settings`` (default: from ``KB_*`` environment variables)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        JSON_SORT_KEYS=False,
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    db.init_app(app, settings)
    errors.init_app(app)
    security.init_app(app)
    security.trust_proxies(app, settings.trusted_proxies)
    auth.init_app(app)
    api.init_app(app)
    csrf = CSRFProtect(app)
    for name, blueprint in app.blueprints.items():
        if name.startswith("api_"):
            csrf.exempt(blueprint)  # token-authenticated, no cookies: CSRF does not apply
    pages.init_app(app)
    return app
