"""Settings read from the environment (``KB_*``), with defaults inside the instance folder."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DEFAULT_INSTANCE_DIR = Path.cwd() / "instance"


@dataclass(frozen=True)
class Settings:
    """Where the database and the index live, and the secret that signs sessions."""

    database_url: str
    index_dir: Path
    instance_dir: Path
    secret_key: str

    @classmethod
    def for_instance(
        cls,
        instance_dir: Path,
        *,
        database_url: str | None = None,
        index_dir: Path | None = None,
        secret_key: str | None = None,
    ) -> Settings:
        """Settings whose unset parts default to files inside ``instance_dir``."""
        instance_dir = Path(instance_dir).resolve()
        return cls(
            database_url=database_url or f"sqlite:///{instance_dir / 'kb.sqlite3'}",
            index_dir=Path(index_dir) if index_dir else instance_dir / "index",
            instance_dir=instance_dir,
            secret_key=secret_key or _instance_secret(instance_dir),
        )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read ``KB_INSTANCE_DIR``, ``KB_DATABASE_URL``, ``KB_INDEX_DIR`` and ``KB_SECRET_KEY``."""
        env = os.environ if environ is None else environ
        return cls.for_instance(
            Path(env.get("KB_INSTANCE_DIR") or DEFAULT_INSTANCE_DIR),
            database_url=env.get("KB_DATABASE_URL") or None,
            index_dir=Path(env["KB_INDEX_DIR"]) if env.get("KB_INDEX_DIR") else None,
            secret_key=env.get("KB_SECRET_KEY") or None,
        )


def _instance_secret(instance_dir: Path) -> str:
    """A random secret kept in the instance folder, so restarts keep sessions valid."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key, encoding="utf-8")
    return key
