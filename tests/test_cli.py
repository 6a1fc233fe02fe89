"""The `xiaokang` command-line contract (R5): subcommands, options, exit codes, report."""

from __future__ import annotations

import json

import pytest

from tests.helpers import person_row, write_csv
from xiaokang.cli import DEMO_PASSWORD, main

pytestmark = pytest.mark.django_db


def test_import_valid_file_exit_0_and_report(tmp_path, capsys):
    path = write_csv(tmp_path / "p.csv", [person_row(1), person_row(2)])
    assert main(["import", "persons", str(path), "--report", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert {k: report[k] for k in ("rows", "created", "updated", "unchanged", "errors")} == {
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "errors": [],
    }
    assert main(["import", "persons", str(path), "--report", str(tmp_path / "r.json")]) == 0
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["unchanged"] == 2
    assert "2 unchanged" in capsys.readouterr().out


def test_import_with_row_errors_exit_1_writes_nothing_and_reports_rows(tmp_path):
    from xiaokang.registry.models import Person

    path = write_csv(tmp_path / "p.csv", [person_row(1), person_row(2, 残疾等级="九级")])
    assert main(["import", "persons", str(path), "--report", str(tmp_path / "r.json")]) == 1
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["errors"] == [
        {"row": 3, "column": "残疾等级", "message": "未知残疾等级“九级” / unknown grade “九级”"}
    ]
    assert not Person.objects.unscoped(reason="test").exists()


def test_import_dry_run_writes_nothing(tmp_path):
    from xiaokang.registry.models import Person

    path = write_csv(tmp_path / "p.csv", [person_row(1)])
    assert main(["import", "persons", str(path), "--dry-run"]) == 0
    assert not Person.objects.unscoped(reason="test").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["import", "persons", "/nonexistent.csv"],
        ["import", "persons"],
        ["import", "employers", "x.csv"],
        ["export", "persons", "--out", "x.pdf"],
        ["template", "persons", "--out", "x.csv"],
        ["createuser", "bob", "--role", "king"],
        ["frobnicate"],
    ],
)
def test_unusable_invocations_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as excinfo:
        code = main(argv)
        raise SystemExit(code)
    assert excinfo.value.code == 2


def test_unusable_file_exit_2(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\x00\x01")
    assert main(["import", "persons", str(path)]) == 2


def test_createuser_takes_the_password_from_the_environment(monkeypatch, capsys):
    from xiaokang.accounts.models import User

    monkeypatch.setenv("XIAOKANG_PASSWORD", "Street-officer-1")
    assert main(["createuser", "li", "--role", "street_officer", "--area", "110108001"]) == 0
    user = User.objects.get(username="li")
    assert (user.role, user.area.code, user.check_password("Street-officer-1")) == (
        "street_officer",
        "110108001000",
        True,
    )
    monkeypatch.setenv("XIAOKANG_PASSWORD", "weak")
    assert main(["createuser", "wang", "--role", "auditor"]) == 1
    assert not User.objects.filter(username="wang").exists()


def test_seed_with_demo_accounts_then_if_empty_does_nothing(capsys):
    from xiaokang.accounts.models import User
    from xiaokang.registry.models import Person

    assert (
        main(["seed", "--persons", "200", "--seed", "3", "--demo-accounts", "--interpreting-days", "7"]) == 0
    )
    assert Person.objects.unscoped(reason="test").count() == 200
    assert User.objects.filter(username__startswith="demo_").count() == 6
    assert User.objects.get(username="demo_street").check_password(DEMO_PASSWORD)
    # A resident's portal account (S4), verified as at the office (U11): an office code printed
    # by the seed as a system action, audited, then entered for the account.
    from xiaokang.audit.models import AuditEvent
    from xiaokang.portal.models import ApplicantAccount

    applicant = ApplicantAccount.objects.get()
    assert applicant.person is not None and applicant.person.street.code == "110108001000"
    assert applicant.verified_by == "office"
    issued = AuditEvent.objects.get(action="applicant.office_code.issue")
    assert issued.actor_label == "system:cli seed" and issued.person_id == applicant.person_id
    assert f"ID number {applicant.person.id_number_masked[:6]}" in capsys.readouterr().out
    # Interpreters with free times on the coming working days (U11).
    from xiaokang.interpreting.models import Interpreter, Slot

    assert Interpreter.objects.count() == 3 and Slot.objects.count() > 0
    slots = Slot.objects.count()
    assert main(["seed", "--persons", "50", "--if-empty", "--demo-accounts", "--interpreting-days", "7"]) == 0
    assert Person.objects.unscoped(reason="test").count() == 200 and ApplicantAccount.objects.count() == 1
    assert Interpreter.objects.count() == 3 and Slot.objects.count() == slots
    assert "not empty" in capsys.readouterr().out


def test_template_export_quality_write_files(tmp_path):
    path = write_csv(tmp_path / "p.csv", [person_row(1), person_row(2, 街道乡镇="中关村街道")])
    assert main(["import", "persons", str(path)]) == 0
    assert main(["template", "persons", "--out", str(tmp_path / "t.xlsx")]) == 0
    assert main(["export", "persons", "--out", str(tmp_path / "e.xlsx"), "--street", "110108011"]) == 0
    assert main(["quality", "--out", str(tmp_path / "q.xlsx")]) == 0
    for name in ("t.xlsx", "e.xlsx", "q.xlsx"):
        assert (tmp_path / name).read_bytes().startswith(b"PK")
    # Both files that list persons are in the audit trail (U11), the export with its filter and count.
    from xiaokang.audit.models import AuditEvent

    export = AuditEvent.objects.get(action="registry.export")
    assert (export.details["rows"], export.details["street"]) == (1, "110108011000")
    assert AuditEvent.objects.get(action="registry.quality_export").actor_label == "system:cli quality q.xlsx"


def test_full_export_reimports_unchanged(tmp_path, capsys):
    path = write_csv(tmp_path / "p.csv", [person_row(n, 联系电话="13800000000") for n in range(1, 6)])
    assert main(["import", "persons", str(path)]) == 0
    assert main(["export", "persons", "--out", str(tmp_path / "full.xlsx"), "--full"]) == 0
    assert main(["import", "persons", str(tmp_path / "full.xlsx"), "--report", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert (report["rows"], report["unchanged"]) == (5, 5)


def test_audit_verify_exit_codes(capsys):
    from django.db import connection

    from xiaokang.audit import triggers
    from xiaokang.audit.services import log_action

    class Who:
        pk, username = None, "system:tests"

    log_action(Who(), "login.success")
    log_action(Who(), "login.success")
    assert main(["audit", "verify"]) == 0
    assert "2 events verified" in capsys.readouterr().out
    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_label = 'someone else' "
            "WHERE id = (SELECT MIN(id) FROM audit_auditevent)"
        )
    assert main(["audit", "verify"]) == 1
    assert "BROKEN at event" in capsys.readouterr().err


def test_the_command_line_export_is_audited(tmp_path):
    from xiaokang.audit.models import AuditEvent

    path = write_csv(tmp_path / "p.csv", [person_row(1), person_row(2), person_row(3)])
    assert main(["import", "persons", str(path)]) == 0
    out = tmp_path / "all.xlsx"
    assert main(["export", "persons", "--out", str(out), "--full"]) == 0
    (event,) = AuditEvent.objects.filter(action="registry.export")
    assert event.actor_id is None and event.actor_label == "system:cli export all.xlsx"
    assert event.details == {"rows": 3, "full": True, "street": "", "format": "xlsx"}


def test_createuser_gives_a_working_password_and_role(monkeypatch, capsys):
    """The operator is trusted (docs/security.md): the role at once, no forced password change,
    audited as a system action."""
    from xiaokang.accounts.models import User
    from xiaokang.audit.models import AuditEvent

    monkeypatch.setenv("XIAOKANG_PASSWORD", "Strong-pass-42")
    assert main(["createuser", "boss", "--role", "district_admin"]) == 0
    boss = User.objects.get(username="boss")
    assert (boss.role, boss.must_change_password) == ("district_admin", False)
    assert not boss.role_grants.exists()
    event = AuditEvent.objects.get(action="account.create")
    assert event.actor_label == "system:cli createuser"
