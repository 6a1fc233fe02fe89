"""`xiaokang createuser` and `seed --demo-accounts` enrol the second factor where a role needs it (U11)."""

from __future__ import annotations

import re

import pyotp
import pytest
from django.test import Client

from xiaokang.cli import DEMO_PASSWORD, main

pytestmark = pytest.mark.django_db


def test_createuser_enrols_a_mandatory_role_and_prints_its_uri_once(monkeypatch, capsys):
    from xiaokang.accounts.models import TotpDevice, User

    monkeypatch.setenv("XIAOKANG_PASSWORD", "Audit-or-12345")
    assert main(["createuser", "wang", "--role", "auditor"]) == 0
    out = capsys.readouterr().out
    uri = re.search(r"otpauth://totp/\S+", out).group(0)
    secret = re.search(r"secret=([A-Z2-7]+)", uri).group(1)
    device = TotpDevice.objects.get(user__username="wang")
    assert device.confirmed_at is not None and secret not in device.secret_encrypted
    # The printed secret signs in.
    client = Client()
    client.post("/login/", {"username": "wang", "password": "Audit-or-12345"})
    assert client.post("/login/code/", {"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert client.get("/staff/").status_code == 200

    # An officer is not enrolled unless XIAOKANG_REQUIRE_2FA is true.
    monkeypatch.setenv("XIAOKANG_PASSWORD", "Street-officer-1")
    assert main(["createuser", "li", "--role", "street_officer", "--area", "110108001"]) == 0
    assert "otpauth" not in capsys.readouterr().out
    assert not TotpDevice.objects.filter(user=User.objects.get(username="li")).exists()


def test_createuser_enrols_every_role_when_the_setting_requires_it(monkeypatch, capsys, settings):
    settings.XIAOKANG_REQUIRE_2FA = True
    monkeypatch.setenv("XIAOKANG_PASSWORD", "Street-officer-1")
    assert main(["createuser", "li", "--role", "street_officer", "--area", "110108001"]) == 0
    assert "otpauth://totp/" in capsys.readouterr().out


def test_demo_accounts_print_their_totp_secrets(capsys):
    assert main(["seed", "--persons", "0", "--demo-accounts"]) == 0
    out = capsys.readouterr().out
    secrets = dict(re.findall(r"demo login: (demo_\w+).*\n\s+TOTP secret ([A-Z2-7]+)", out))
    assert set(secrets) == {"demo_admin", "demo_auditor", "demo_security"}
    client = Client()
    client.post("/login/", {"username": "demo_admin", "password": DEMO_PASSWORD})
    assert client.post("/login/code/", {"code": pyotp.TOTP(secrets["demo_admin"]).now()}).status_code == 302
    # Seeding again prints the same secrets (the demo can always be tried).
    assert main(["seed", "--persons", "0", "--if-empty", "--demo-accounts"]) == 0
    again = dict(re.findall(r"demo login: (demo_\w+).*\n\s+TOTP secret ([A-Z2-7]+)", capsys.readouterr().out))
    assert again == secrets
