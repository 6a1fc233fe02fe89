"""The registration points in core (docs/architecture/registration.md): commands, seed steps, widgets,
URL and API mounts. Each on a fresh registry, so nothing leaks into the real one."""

from __future__ import annotations

import argparse
from types import SimpleNamespace

import pytest

from xiaokang.core.cli_support import Parser, UsageError
from xiaokang.core.commands import CommandRegistrationError, CommandRegistry
from xiaokang.core.mounts import ApiMount, MountError, UrlMount, api_mounts, url_mounts
from xiaokang.core.seeding import SeedRegistry, SeedStep
from xiaokang.core.widgets import WidgetRegistrationError, WidgetRegistry


def _ok(args) -> int:
    return 0


def _parser(registry: CommandRegistry) -> argparse.ArgumentParser:
    parser = Parser(prog="x")
    registry.add_to(parser.add_subparsers(dest="command", required=True, parser_class=Parser))
    return parser


# --- commands ------------------------------------------------------------------------------------------
def test_commands_are_listed_in_their_order_not_in_the_order_they_were_registered():
    registry = CommandRegistry()
    registry.register("late", order=30, help="third", handler=_ok)
    registry.register("early", order=10, help="first", handler=_ok)
    registry.register("middle", order=20, help="second", handler=_ok)

    assert [command.name for command in registry.commands()] == ["early", "middle", "late"]
    help_text = _parser(registry).format_help()
    assert help_text.index("early") < help_text.index("middle") < help_text.index("late")


def test_a_command_name_registered_twice_raises_naming_both_modules():
    registry = CommandRegistry()
    registry.register("roster", order=10, help="", handler=_ok)

    with pytest.raises(CommandRegistrationError, match="'roster' registered twice"):
        registry.register("roster", order=20, help="", handler=_ok)


def test_two_commands_at_one_place_in_the_order_raise():
    registry = CommandRegistry()
    registry.register("a", order=10, help="", handler=_ok)

    with pytest.raises(CommandRegistrationError, match="order 10 is taken by 'a'"):
        registry.register("b", order=10, help="", handler=_ok)


def test_a_command_without_handler_or_arguments_is_refused():
    with pytest.raises(CommandRegistrationError):
        CommandRegistry().register("nothing", order=10, help="")


def test_arguments_and_handler_reach_the_parser():
    registry = CommandRegistry()
    registry.register(
        "roster",
        order=10,
        help="",
        arguments=lambda p: p.add_argument("--month", required=True),
        handler=_ok,
    )

    args = _parser(registry).parse_args(["roster", "--month", "2025-10"])

    assert args.month == "2025-10" and args.func is _ok


# --- seed steps ----------------------------------------------------------------------------------------
def _steps(log: list) -> SeedRegistry:
    def persons_arguments(p):
        p.add_argument("--persons", type=int, required=True)

    def employers_arguments(p):
        p.add_argument("--employers", type=int, default=0)

    def demo_arguments(p):
        p.add_argument("--demo", action="store_true")

    def refuse_demo(args):
        if args.demo:
            raise UsageError("no demo here")

    registry = SeedRegistry()
    registry.register(
        SeedStep("employers", 20, employers_arguments, lambda a: log.append("employers"), ("--employers",))
    )
    registry.register(
        SeedStep("persons", 10, persons_arguments, lambda a: log.append("persons"), ("--persons",))
    )
    registry.register(SeedStep("demo", 30, demo_arguments, lambda a: log.append("demo"), check=refuse_demo))
    return registry


def _seed_args(registry: SeedRegistry, argv: list[str]) -> argparse.Namespace:
    parser = Parser(prog="seed")
    registry.arguments(parser)
    return parser.parse_args(argv)


def test_seed_steps_run_in_their_order():
    log: list = []
    registry = _steps(log)

    assert registry.handle(_seed_args(registry, ["--persons", "1", "--employers", "2"])) == 0
    assert log == ["persons", "employers", "demo"]


def test_a_negative_count_names_every_count_option_and_seeds_nothing():
    log: list = []
    registry = _steps(log)

    with pytest.raises(UsageError, match=r"^--persons and --employers must be 0 or more$"):
        registry.handle(_seed_args(registry, ["--persons", "1", "--employers", "-1"]))
    assert log == []


def test_a_step_refusal_comes_before_any_step_runs():
    log: list = []
    registry = _steps(log)

    with pytest.raises(UsageError, match="no demo here"):
        registry.handle(_seed_args(registry, ["--persons", "1", "--demo"]))
    assert log == []


def test_a_seed_step_registered_twice_raises():
    registry = _steps([])

    with pytest.raises(CommandRegistrationError):
        registry.register(SeedStep("persons", 99, lambda p: None, lambda a: None))


# --- widgets -------------------------------------------------------------------------------------------
def _request(role: str, active: bool = True):
    return SimpleNamespace(user=SimpleNamespace(role=role, is_active=active, is_authenticated=True))


# Visibility is the capability table's (core.capabilities): "two_factor.enrol" is every role's,
# "person.read" the registry readers' (not the auditor's).
EVERYONE, OFFICERS = "two_factor.enrol", "person.read"


def test_widgets_are_shown_in_their_order_to_the_users_who_may_see_them():
    registry = WidgetRegistry()
    registry.register("b", lambda r: {"template": "b.html"}, capability=EVERYONE, order=20)
    registry.register("a", lambda r: {"template": "a.html"}, capability=OFFICERS, order=10)

    assert [w["name"] for w in registry.for_request(_request("street_officer"))] == ["a", "b"]
    assert [w["name"] for w in registry.for_request(_request("auditor"))] == ["b"]
    assert registry.for_request(_request("street_officer", active=False)) == []


def test_a_widget_provider_may_show_nothing():
    registry = WidgetRegistry()
    registry.register("empty", lambda r: None, capability=EVERYONE, order=10)

    assert registry.for_request(_request("street_officer")) == []


def provider_by_path(request) -> dict:
    return {"template": "path.html", "role": request.user.role}


def test_widget_providers_given_by_dotted_path_are_imported_on_first_use():
    registry = WidgetRegistry()
    here = "xiaokang.core.tests.test_registries"
    registry.register("path", f"{here}.provider_by_path", capability=OFFICERS, order=10)

    assert registry.widgets()[0]._resolved == {}
    assert registry.for_request(_request("street_officer")) == [
        {"name": "path", "wide": False, "template": "path.html", "role": "street_officer"}
    ]
    assert registry.for_request(_request("auditor")) == []


def test_a_widget_registered_twice_or_at_a_taken_place_raises():
    registry = WidgetRegistry()
    registry.register("a", lambda r: {}, capability=EVERYONE, order=10)

    with pytest.raises(WidgetRegistrationError):
        registry.register("a", lambda r: {}, capability=EVERYONE, order=20)
    with pytest.raises(WidgetRegistrationError):
        registry.register("b", lambda r: {}, capability=EVERYONE, order=10)


# --- URL and API mounts --------------------------------------------------------------------------------
def test_mounts_come_in_their_order_across_apps():
    urls = url_mounts()
    assert [mount.order for mount in urls] == sorted(mount.order for mount in urls)
    assert [mount.prefix for mount in api_mounts()][:1] == ["/auth"]


def test_two_url_mounts_at_one_place_raise(monkeypatch):
    from django.apps import apps

    config = apps.get_app_config("core")
    taken = url_mounts()[0].order
    monkeypatch.setattr(
        config, "url_mounts", (UrlMount("x/", "xiaokang.core.tests.nowhere", order=taken),), raising=False
    )

    with pytest.raises(MountError, match="the same order twice"):
        url_mounts()


def test_one_router_mounted_twice_raises(monkeypatch):
    from django.apps import apps

    config = apps.get_app_config("core")
    router = api_mounts()[0].router
    monkeypatch.setattr(config, "api_mounts", (ApiMount("/again", router, order=999),), raising=False)

    with pytest.raises(MountError, match="the same target twice"):
        api_mounts()
