"""The default for `make run` and the `xiaokang` command: the embedded SQLite database, development keys."""

from config.env import env_bool
from config.settings.base import *  # noqa: F403

DEBUG = env_bool("XIAOKANG_DEBUG", False)
