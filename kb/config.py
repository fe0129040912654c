"""Settings read from the environment (``KB_*``), with defaults inside the instance folder."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DEFAULT_INSTANCE_DIR = Path.cwd() / "instance"
#: The bundled corpus: documents, standards, the jieba dictionary and the synonyms.
BUNDLED_CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"


@dataclass(frozen=True)
class Settings:
    """Where the database and the index live, and the secret that signs sessions."""

    database_url: str
    index_dir: Path
    instance_dir: Path
    secret_key: str
    corpus_dir: Path = BUNDLED_CORPUS_DIR
    #: Whether reading needs an account too (``KB_READ_REQUIRES_LOGIN=1``); default: open intranet.
    read_requires_login: bool = False
    #: How long a page login lasts, in hours from the login (``KB_SESSION_HOURS``, default 12).
    session_hours: float = 12.0
    #: How many reverse proxies in front of the app set ``X-Forwarded-For``/``-Proto``
    #: (``KB_TRUSTED_PROXIES``, default 0: the headers are ignored, as anyone can send them).
    trusted_proxies: int = 0

    @classmethod
    def for_instance(
        cls,
        instance_dir: Path,
        *,
        database_url: str | None = None,
        index_dir: Path | None = None,
        secret_key: str | None = None,
        corpus_dir: Path | None = None,
        read_requires_login: bool = False,
        session_hours: float = 12.0,
        trusted_proxies: int = 0,
    ) -> Settings:
        """Settings whose unset parts default to files inside ``instance_dir``."""
        instance_dir = Path(instance_dir).resolve()
        return cls(
            database_url=database_url or f"sqlite:///{instance_dir / 'kb.sqlite3'}",
            index_dir=Path(index_dir) if index_dir else instance_dir / "index",
            instance_dir=instance_dir,
            secret_key=secret_key or _instance_secret(instance_dir),
            corpus_dir=Path(corpus_dir) if corpus_dir else BUNDLED_CORPUS_DIR,
            read_requires_login=read_requires_login,
            session_hours=session_hours,
            trusted_proxies=trusted_proxies,
        )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read ``KB_INSTANCE_DIR``, ``KB_DATABASE_URL``, ``KB_INDEX_DIR``, ``KB_SECRET_KEY``,
        ``KB_CORPUS_DIR``, ``KB_READ_REQUIRES_LOGIN``, ``KB_SESSION_HOURS``, ``KB_TRUSTED_PROXIES``.

        :raises ValueError: a number setting that is not a number, or out of range.
        """
        env = os.environ if environ is None else environ
        return cls.for_instance(
            Path(env.get("KB_INSTANCE_DIR") or DEFAULT_INSTANCE_DIR),
            database_url=env.get("KB_DATABASE_URL") or None,
            index_dir=Path(env["KB_INDEX_DIR"]) if env.get("KB_INDEX_DIR") else None,
            secret_key=env.get("KB_SECRET_KEY") or None,
            corpus_dir=Path(env["KB_CORPUS_DIR"]) if env.get("KB_CORPUS_DIR") else None,
            read_requires_login=env.get("KB_READ_REQUIRES_LOGIN", "").lower()
            in ("1", "true", "yes"),
            session_hours=_number(env, "KB_SESSION_HOURS", 12.0, minimum=0.01, maximum=24 * 90),
            trusted_proxies=int(_number(env, "KB_TRUSTED_PROXIES", 0, minimum=0, maximum=10)),
        )


def _number(env: dict[str, str] | os._Environ, name: str, default: float, **bounds: float) -> float:
    """A number setting, ``default`` when unset.

    :raises ValueError: not a number, or outside ``minimum``..``maximum``.
    """
    text = (env.get(name) or "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} 应为数字，收到 “{text[:50]}”") from None
    if not bounds["minimum"] <= value <= bounds["maximum"]:
        raise ValueError(f"{name} 应在 {bounds['minimum']} 与 {bounds['maximum']} 之间")
    if name == "KB_TRUSTED_PROXIES" and not value.is_integer():
        raise ValueError(f"{name} 应为整数")
    return value


def _instance_secret(instance_dir: Path) -> str:
    """A random secret kept in the instance folder, so restarts keep sessions valid."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key, encoding="utf-8")
    return key
