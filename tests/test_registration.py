"""The apps register themselves (docs/architecture/registration.md): every command, URL module, API
router and staff-home widget comes from its app, and the assembled whole is what it was when it was
listed by hand."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from django.test import Client

import xiaokang
from xiaokang.cli import build_parser, main

COMMANDS = [
    ("migrate", "xiaokang.accounts.commands"),
    ("createuser", "xiaokang.accounts.commands"),
    ("serve", "xiaokang.accounts.commands"),
    ("seed", "xiaokang.core.seeding"),
    ("import", "xiaokang.registry.commands"),
    ("export", "xiaokang.registry.commands"),
    ("template", "xiaokang.registry.commands"),
    ("audit", "xiaokang.audit.commands"),
    ("backup", "xiaokang.audit.commands"),
    ("restore", "xiaokang.audit.commands"),
    ("quality", "xiaokang.registry.commands"),
    ("policies", "xiaokang.policies.commands"),
    ("screen", "xiaokang.policies.commands"),
    ("roster", "xiaokang.cases.commands"),
    ("outreach", "xiaokang.cases.commands"),
    ("levy", "xiaokang.employment.commands"),
    ("employer-payments", "xiaokang.employment.commands"),
    ("disclosure", "xiaokang.employment.commands"),
    ("evaluate", "xiaokang.policies.commands"),
]


def test_help_lists_every_command_in_the_order_it_always_had(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])

    assert exit_.value.code == 0
    listed = capsys.readouterr().out.split("{", 1)[1].split("}", 1)[0].split(",")
    assert listed == [name for name, _module in COMMANDS]


def test_each_command_comes_from_its_app():
    from xiaokang.core import commands

    build_parser()
    assert [(command.name, command.module) for command in commands.commands()] == COMMANDS


def test_seed_takes_its_options_from_the_apps_in_order(capsys):
    from xiaokang.core import seeding

    assert [step.name for step in seeding.registry.steps()] == [
        "persons",
        "employers",
        "interpreters",
        "cases",
        "demo-accounts",
    ]
    assert main(["seed", "--persons", "-1"]) == 2
    assert (
        "--persons, --employers, --interpreting-days and --applications must be 0 or more"
        in capsys.readouterr().err
    )


def test_import_offers_the_kinds_of_every_app_in_order():
    from xiaokang.core.importing import datasets

    build_parser()
    assert list(datasets()) == ["persons", "enrolments", "employers"]


def _modules(prefix: str) -> set[str]:
    """Every app's ``<prefix>`` and ``<prefix>_*`` modules; a package of that name stands for its modules
    (``cases/urls/`` → ``xiaokang.cases.urls.applications``, ``…urls.work``)."""
    root = Path(xiaokang.__file__).parent
    found = set()
    for app in pkgutil.iter_modules([str(root)]):
        if not app.ispkg:
            continue
        for module in pkgutil.iter_modules([str(root / app.name)]):
            if not (module.name == prefix or module.name.startswith(prefix + "_")):
                continue
            name = f"xiaokang.{app.name}.{module.name}"
            if module.ispkg:
                found |= {
                    f"{name}.{inner.name}"
                    for inner in pkgutil.iter_modules([str(root / app.name / module.name)])
                }
            else:
                found.add(name)
    return found


def _included(patterns) -> set[str]:
    from django.urls import URLResolver

    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            module = pattern.urlconf_module
            names.add(getattr(module, "__name__", ""))
            names |= _included(pattern.url_patterns)
    return names


def test_every_url_module_of_every_app_is_mounted():
    from django.urls import get_resolver

    assert _modules("urls") - _included(get_resolver().url_patterns) == set()


def test_every_api_router_of_every_app_is_mounted():
    from ninja import Router

    from xiaokang.core.mounts import api_mounts

    routers = {
        f"{name}.router"
        for name in _modules("api")
        if isinstance(getattr(importlib.import_module(name), "router", None), Router)
    }
    assert routers == {mount.router for mount in api_mounts()}


def test_the_api_document_keeps_its_paths():
    from config.api import api

    paths = api.get_openapi_schema()["paths"]
    assert "/api/v1/auth/token" in paths
    for prefix in ("/api/v1/persons", "/api/v1/applications", "/api/v1/employers", "/api/v1/transfers"):
        assert any(path.startswith(prefix) for path in paths), prefix


# --- the staff home's widgets ------------------------------------------------------------------------
@pytest.fixture
def auditor(db):
    from xiaokang.accounts.models import User

    return User.objects.create_user("auditor", password="Pass-word-123", role="auditor")


def _home(user) -> str:
    client = Client()
    client.force_login(user)
    return client.get("/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_staff_home_shows_the_registered_widgets_in_order_to_a_reader(officer_a):
    page = _home(officer_a)

    # The dashboard (S4): the user's queue first, the deadlines, ..., the registry's headcounts last.
    queue = page.index('<h2 id="widget-my-queue">My queue</h2>')
    deadlines = page.index('<h2 id="widget-deadlines">Deadlines</h2>', queue)
    assert page.index('<a href="/staff/applications/dashboard/">', deadlines)
    assert page.index("<h2>Registered persons</h2>", deadlines)
    assert "does not read the registry" not in page


def test_the_staff_home_shows_no_registry_widget_to_the_auditor(auditor):
    page = _home(auditor)

    assert "<h2>Registered persons</h2>" not in page and "widget-deadlines" not in page
    assert 'class="dashboard"' not in page
    assert "/staff/applications/" not in page
    assert "does not read the registry" in page


# --- what follows an evaluation run ------------------------------------------------------------------
def test_the_cases_app_follows_up_runs_of_the_current_rules_only():
    from types import SimpleNamespace

    from xiaokang.policies import followups

    assert "xiaokang.cases.followups.after_evaluation" in followups._followups
    assert followups.after_run(actor=None, run=SimpleNamespace(overrides={"p.x": "1"})) == []
