"""Settings read from the environment (12-factor). A value may also come from a file: for any
setting NAME, ``NAME_FILE`` names a file whose content is the value (Docker/Kubernetes secrets)."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


class ImproperlyConfiguredError(RuntimeError):
    pass


def env(name: str, default: str | None = None) -> str | None:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfiguredError(f"{name}_FILE={file_name}: cannot be read ({exc})") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfiguredError(f"{name}={value!r} is not an integer") from exc


def data_dir() -> Path:
    """Where the SQLite file, development keys and uploaded documents live (``var/`` by default)."""
    return Path(env("XIAOKANG_DATA_DIR") or BASE_DIR / "var")
