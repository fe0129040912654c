"""Tests that need a program from Debian: skipped on a developer's machine without it, run in CI.

In CI (``CI=true``) a missing program is not a reason to skip: the test runs and fails, so a
broken install step cannot pass as green.
"""

from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def needs(program: str, package: str) -> pytest.MarkDecorator:
    """Skip the test when ``program`` is missing, except in CI, where it must fail instead."""
    missing = shutil.which(program) is None
    return pytest.mark.skipif(
        missing and not in_ci(),
        reason=f"{program} is not installed (Debian package {package}); CI fails instead",
    )
