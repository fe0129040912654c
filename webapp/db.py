"""The knowledge base for one request: a session opened lazily in ``g``, closed on teardown."""

from __future__ import annotations

from flask import Flask
from flask import current_app
from flask import g

from kb.config import Settings
from kb.db import close_database
from kb.db import open_database


def init_app(app: Flask, settings: Settings) -> None:
    """Open the kb database for the app and close each request's session on teardown."""
    app.extensions["kb"] = {"settings": settings, "sessions": open_database(settings)}
    app.teardown_appcontext(close_session)


def close(app: Flask) -> None:
    """Release the app's database connections (tests and embedding servers call this)."""
    close_database(app.extensions["kb"]["sessions"])


def get_settings() -> Settings:
    """The settings of the app serving the request."""
    return get_settings_of(current_app)


def get_settings_of(app: Flask) -> Settings:
    """The settings ``app`` was built with (while it is being built, too)."""
    return app.extensions["kb"]["settings"]


def get_session():  # noqa: ANN201 - the type lives in sqlalchemy, which webapp does not import
    """The request's kb session, opened on first use."""
    if "kb_session" not in g:
        g.kb_session = current_app.extensions["kb"]["sessions"]()
    return g.kb_session


def close_session(_exception: BaseException | None = None) -> None:
    """Close the request's session, if one was opened."""
    session = g.pop("kb_session", None)
    if session is not None:
        session.close()
