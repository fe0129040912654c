"""The ``kb`` command: one click group (:mod:`webapp.cli.base`) of thin commands, one module per area.

Importing the area modules registers their commands on the group.
"""

from webapp.cli import accounts
from webapp.cli import budget
from webapp.cli import citing
from webapp.cli import extract
from webapp.cli import maintenance
from webapp.cli import reading
from webapp.cli import spreadsheets
from webapp.cli.base import cli

__all__ = [
    "cli",
    "accounts",
    "budget",
    "citing",
    "extract",
    "maintenance",
    "reading",
    "spreadsheets",
]
