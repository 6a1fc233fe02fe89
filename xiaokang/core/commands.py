"""The registry of `xiaokang` subcommands: each app declares its own in ``xiaokang/<app>/commands.py``.

An app's ``commands.py`` calls :func:`register` at import time (``xiaokang.cli`` imports every app's
``commands`` module after Django is set up, see :func:`discover`). A command is declarative: a name, an
explicit ``order`` (the place in ``xiaokang --help``: the list stays stable whatever the order of
discovery), its help text, a function that adds its arguments to its argparse parser, and its handler
``handler(args) -> exit code``. A command with subcommands (``audit verify``) builds them in its
``arguments`` function with ``cli_support.subcommands`` and gives each its own handler.

Keep an app's ``commands.py`` light at import time: ``xiaokang --help`` imports every one of them, so
handlers import services, pandas-like libraries and views inside the function.

Core imports no app (import-linter layers). Commands of an app below ``accounts`` (audit) name the
system job they act as with :func:`system_actor`, which ``accounts`` provides.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from dataclasses import dataclass

Handler = Callable[[argparse.Namespace], int]
Arguments = Callable[[argparse.ArgumentParser], None]


class CommandRegistrationError(ValueError):
    """A command registered twice under one name (or at one place in the order)."""


@dataclass(frozen=True)
class Command:
    name: str
    order: int
    help: str
    handler: Handler | None = None  # None: ``arguments`` sets each subcommand's handler
    arguments: Arguments | None = None
    module: str = ""  # who registered it, for error messages

    def add_to(self, subparsers) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(self.name, help=self.help)
        if self.arguments is not None:
            self.arguments(parser)
        if self.handler is not None:
            parser.set_defaults(func=self.handler)
        return parser


class CommandRegistry:
    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}

    def register(
        self,
        name: str,
        *,
        order: int,
        help: str,
        handler: Handler | None = None,
        arguments: Arguments | None = None,
    ) -> Command:
        if handler is None and arguments is None:
            raise CommandRegistrationError(f"command {name!r}: give a handler or arguments that set one")
        module = getattr(handler or arguments, "__module__", "")
        if name in self._commands:
            raise CommandRegistrationError(
                f"command {name!r} registered twice ({self._commands[name].module} and {module})"
            )
        taken = {command.order: command.name for command in self._commands.values()}
        if order in taken:
            raise CommandRegistrationError(
                f"command {name!r}: order {order} is taken by {taken[order]!r}; pick a free place"
            )
        command = Command(name, order, help, handler, arguments, module)
        self._commands[name] = command
        return command

    def commands(self) -> list[Command]:
        return sorted(self._commands.values(), key=lambda command: command.order)

    def get(self, name: str) -> Command:
        return self._commands[name]

    def add_to(self, subparsers) -> None:
        for command in self.commands():
            command.add_to(subparsers)


registry = CommandRegistry()
register = registry.register
commands = registry.commands


def discover() -> None:
    """Import ``<app>.commands`` of every installed xiaokang app (after ``django.setup()``), in the
    order of INSTALLED_APPS; a module imported once registers once."""
    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    for config in apps.get_app_configs():
        if config.name.startswith("xiaokang.") and module_has_submodule(config.module, "commands"):
            importlib.import_module(f"{config.name}.commands")


# --- the system job a command acts as ---------------------------------------------------------------
_system_actor: Callable[[str], object] | None = None


def provide_system_actor(factory: Callable[[str], object]) -> None:
    """``accounts`` gives its ``SystemActor`` here (its commands module, imported by :func:`discover`)."""
    global _system_actor
    _system_actor = factory


def system_actor(label: str):
    """The actor a batch job acts as, named by ``label`` ("cli backup"): accounts' ``SystemActor``. For
    commands of apps below accounts, which may not import it."""
    if _system_actor is None:
        raise RuntimeError("no system actor: xiaokang.accounts.commands provides it (discover() first)")
    return _system_actor(label)
