"""The capability table and the menu built on it (U11; GB/T 22239-2019 8.1.4.2: deny by default).
docs/architecture/capabilities.md describes them; its table is checked against the registry here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import translation

from xiaokang.accounts.actors import ApplicantActor, SystemActor
from xiaokang.accounts.context import staff_menu
from xiaokang.accounts.models import Role, User
from xiaokang.audit.models import AuditEvent
from xiaokang.core import capabilities, menu
from xiaokang.core.capabilities import (
    UnknownCapabilityError,
    all_capabilities,
    can,
    markdown_table,
    require,
    requires,
    roles_for,
)

DOC = Path(__file__).resolve().parent.parent / "docs" / "architecture" / "capabilities.md"
APPS = ("audit", "accounts", "registry", "policies", "cases", "employment", "interpreting", "portal")


def _user(role: str, **extra) -> User:
    return User(username=f"u_{role or 'none'}", role=role, **extra)


def test_each_app_registers_its_own_capabilities_once():
    from importlib import import_module

    seen: dict[str, str] = {}
    for app in APPS:
        declared = import_module(f"xiaokang.{app}.permissions").CAPABILITIES
        for name, roles in declared.items():
            assert name not in seen, f"{name} declared by {seen[name]} and {app}"
            seen[name] = app
            assert capabilities.owner_of(name) == app
            assert roles_for(name) == frozenset(str(role) for role in roles)
    assert set(seen) == set(all_capabilities())


def test_registering_a_name_twice_raises_and_changes_nothing():
    before = roles_for("transfer.decide")
    with pytest.raises(ImproperlyConfigured, match=r"transfer\.decide"):
        capabilities.register("someone_else", {"transfer.decide": {Role.AUDITOR}})
    assert roles_for("transfer.decide") == before
    assert capabilities.owner_of("transfer.decide") == "registry"


def test_a_capability_needs_roles():
    with pytest.raises(ImproperlyConfigured):
        capabilities.register("tests", {"nothing.at_all": set()})
    with pytest.raises(UnknownCapabilityError):
        roles_for("nothing.at_all")


def test_an_unknown_capability_raises_everywhere():
    with pytest.raises(UnknownCapabilityError):
        roles_for("person.reed")
    with pytest.raises(UnknownCapabilityError):
        can(_user(Role.DISTRICT_ADMIN), "person.reed")
    with pytest.raises(UnknownCapabilityError):
        require(_user(Role.DISTRICT_ADMIN), "person.reed")
    # Even for an actor who could do nothing anyway: a typo is never a quiet "no".
    with pytest.raises(UnknownCapabilityError):
        can(None, "person.reed")

    @requires("person.reed")
    def view(request):
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    request.user = _user(Role.DISTRICT_ADMIN)
    with pytest.raises(UnknownCapabilityError):
        view(request)


def test_can_follows_the_table_for_every_role_and_refuses_the_inactive():
    for name, roles in all_capabilities().items():
        for role in Role:
            assert can(_user(role), name) is (role.value in roles)
            assert can(_user(role, is_active=False), name) is False
        assert can(_user(""), name) is False  # no role yet
        assert can(ApplicantActor(account_id=1), name) is False


def test_batch_jobs_act_as_the_district_and_anonymous_visitors_as_nobody():
    from django.contrib.auth.models import AnonymousUser

    assert can(SystemActor("test"), "roster.build") is True
    assert can(SystemActor("test"), "audit.read") is False
    assert can(AnonymousUser(), "person.read") is False
    assert can(None, "person.read") is False


def test_require_raises_permission_denied():
    require(_user(Role.DISTRICT_OFFICER), "transfer.decide")
    with pytest.raises(PermissionDenied):
        require(_user(Role.STREET_OFFICER), "transfer.decide")


def test_review_means_two_different_decisions():
    # The periodic review of an enrolment: street or district staff; temporary assistance: the district.
    assert Role.STREET_OFFICER.value in roles_for("enrolment.review")
    assert Role.STREET_OFFICER.value not in roles_for("temporary.review")


@pytest.mark.django_db
def test_a_refused_page_answers_403_and_is_recorded_with_its_url_name():
    user = User.objects.create_user("cw", password="Pass-word-123", role=Role.AUDITOR)
    client = Client()
    client.force_login(user)
    assert client.get("/staff/accounts/").status_code == 403
    assert client.get("/staff/registry/import/").status_code == 403
    refused = list(
        AuditEvent.objects.filter(action="access.denied", object_type="page")
        .order_by("pk")
        .values_list("object_id", flat=True)
    )
    assert refused == ["account-list", "registry-import"]


def test_the_template_filter_asks_the_table():
    template = Template('{% load capabilities %}{% if user|can:"policy.what_if" %}yes{% else %}no{% endif %}')
    assert template.render(Context({"user": _user(Role.STREET_OFFICER)})) == "yes"
    assert template.render(Context({"user": _user(Role.COMMUNITY_WORKER)})) == "no"


# ---------------------------------------------------------------------------------------------------
# The menu


def _menu_for(user) -> list[tuple[str, str]]:
    request = RequestFactory().get("/staff/")
    request.user = user
    with translation.override("en"):
        return [(item["url"], str(item["label"])) for item in staff_menu(request)["staff_menu"]]


def test_the_menu_shows_each_entry_exactly_to_the_roles_of_its_capability():
    from django.urls import reverse

    for role in Role:
        shown = {url for url, _ in _menu_for(_user(role))}
        for entry in menu.entries():
            assert (reverse(entry.url_name) in shown) is (role.value in roles_for(entry.capability)), (
                role,
                entry.url_name,
            )
    assert _menu_for(_user("")) == []
    assert _menu_for(_user(Role.DISTRICT_ADMIN, must_change_password=True)) == []


def test_menu_entries_name_registered_capabilities_once_each():
    names = [entry.url_name for entry in menu.entries()]
    assert len(names) == len(set(names))
    for entry in menu.entries():
        roles_for(entry.capability)  # raises for an unknown name
    with pytest.raises(ImproperlyConfigured):
        menu.register("person-list", "Persons", "person.read", order=1, group="persons")


def test_the_menu_keeps_its_order_and_labels():
    assert [label for _, label in _menu_for(_user(Role.DISTRICT_ADMIN))] == [
        "Persons",
        "Import",
        "Transfers",
        "Data quality",
        "Export",
        "Policies",
        "What-if",
        "Applications",
        "Deadlines",
        "Rosters",
        "Outreach",
        "Reviews",
        "Temporary assistance",
        "Employers",
        "Declarations",
        "Member units",
        "Sign-language interpretation",
        "Role changes",
        "Second factor",
    ]
    assert [label for _, label in _menu_for(_user(Role.AUDITOR))] == [
        "Audit trail",
        "Role changes",
        "Second factor",
    ]
    assert [label for _, label in _menu_for(_user(Role.SECURITY_ADMIN))] == ["Accounts", "Second factor"]


# ---------------------------------------------------------------------------------------------------
# The developers' documentation


def test_the_documented_table_is_the_registry():
    text = DOC.read_text(encoding="utf-8")
    found = re.search(r"<!-- capabilities:begin -->\n(.*?)<!-- capabilities:end -->", text, re.S)
    assert found, "docs/architecture/capabilities.md needs the table between its markers"
    assert found.group(1) == markdown_table(), (
        "the table is out of date; paste the output of\n"
        '  .venv/bin/python -c \'import django, os; os.environ.setdefault("DJANGO_SETTINGS_MODULE", '
        '"config.settings.development"); django.setup(); from xiaokang.core.capabilities import '
        'markdown_table; print(markdown_table(), end="")\'\n' + markdown_table()
    )
