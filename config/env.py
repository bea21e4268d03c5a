"""Read settings from the environment; create development secrets on first run.

Secrets never live in the repository. In development (``SHEQU_ENV`` unset or
``local``) missing secrets are generated once into ``$SHEQU_VAR_DIR/dev-secrets.json``
(default ``./var``, ignored by git). Production refuses to start without them.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def var_dir() -> Path:
    path = Path(os.environ.get("SHEQU_VAR_DIR", BASE_DIR / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


_SECRET_NAMES = ("SHEQU_SECRET_KEY", "SHEQU_DATA_KEY", "SHEQU_HASH_KEY")


def _new_secret(name: str) -> str:
    if name == "SHEQU_SECRET_KEY":
        return secrets.token_urlsafe(50)
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def secret(name: str) -> str:
    """Return a secret from the environment, or the development one (created on first use)."""
    if name in os.environ:
        return os.environ[name]
    if env("SHEQU_ENV", "local") == "production":
        raise RuntimeError(f"{name} must be set in the environment in production")
    path = var_dir() / "dev-secrets.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    if name not in data:
        for missing in _SECRET_NAMES:
            data.setdefault(missing, _new_secret(missing))
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2))
        tmp.chmod(0o600)
        tmp.replace(path)
    return data[name]


def database_config(url: str | None) -> dict:
    """Turn ``sqlite:///path`` or ``postgres://user@host:port/name`` into a DATABASES entry."""
    if not url:
        url = f"sqlite:///{var_dir() / 'shequ.sqlite3'}"
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        name = unquote(parsed.path)[1:] if parsed.path.startswith("//") else unquote(parsed.path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name or ":memory:",
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000; PRAGMA cache_size=-65536;"
                ),
            },
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "shequ",
            "USER": unquote(parsed.username or "postgres"),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "127.0.0.1",
            "PORT": str(parsed.port or 5432),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            # No JIT: its compile time (tens of ms) is paid by short queries over large tables whose
            # estimated cost crosses jit_above_cost, e.g. a scoped list over 1,000,000 appeals.
            # Client-side binding (Django's default) on purpose: server-side binding was tried for the
            # appeal benchmarks (docs/benchmarks.md) and refused, as PostgreSQL takes at most 65,535
            # parameters per statement and Django does not split its own large statements (a
            # deletion collector over 100,000 timeline rows failed).
            "OPTIONS": {"options": "-c jit=off"},
        }
    raise RuntimeError(f"Unsupported database URL scheme: {parsed.scheme!r}")
