"""`xiaokang`: the one command for every staff batch job (R5).

Exit codes (a contract other scripts rely on): 0 done; 1 the input had errors (nothing written);
2 unusable invocation or file. Each subcommand parses its arguments, calls one service or selector,
and prints; the work itself lives in the apps.

This module is only the entry point: each app registers its subcommands from its own
``xiaokang/<app>/commands.py`` (core/commands.py; docs/architecture/registration.md), found here after
Django is set up. The shared helpers (exit codes, UsageError, progress, reports) are in
core/cli_support.py.
"""

from __future__ import annotations

import argparse
import os
import sys

from xiaokang.accounts.demo import DEMO_PASSWORD  # noqa: F401 (tests and docs name it here)
from xiaokang.core.cli_support import EXIT_INPUT_ERRORS, EXIT_OK, EXIT_UNUSABLE, Parser, UsageError

__all__ = ["EXIT_INPUT_ERRORS", "EXIT_OK", "EXIT_UNUSABLE", "UsageError", "build_parser", "main"]


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    import django

    django.setup()


def build_parser() -> argparse.ArgumentParser:
    """The parser of every registered command, in their order (after ``django.setup()``)."""
    from xiaokang.core import commands

    commands.discover()
    parser = Parser(
        prog="xiaokang",
        description="Xiaokang (小康): batch jobs for the Haidian disabled-persons registry. "
        "Exit codes: 0 done, 1 the input had errors (nothing written), 2 unusable invocation or file.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    commands.registry.add_to(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from django.core.exceptions import ImproperlyConfigured

    from config.env import ImproperlyConfiguredError

    try:
        _setup_django()
    except (ImproperlyConfigured, ImproperlyConfiguredError) as exc:
        print(f"xiaokang: configuration error / 配置错误: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    from xiaokang.policies.engine.loader import PolicyError, PolicyErrors

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"xiaokang {args.command}: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except (PolicyError, PolicyErrors) as exc:
        # A broken policy file, or a parameter with no value on the date asked for: nothing was run.
        print(f"xiaokang {args.command}: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("interrupted: nothing written by the interrupted step", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
