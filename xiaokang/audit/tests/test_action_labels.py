"""Every audit action the code base records has a translated label (U11; the audit list shows "Approved
(application)", never a bare ``application.approve``): the source is read with ``ast`` for the action
codes given to the audit calls, and each must be in ``audit.actions.ACTION_LABELS``. A new action added
without its label fails here, with its file and line."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.utils import translation

from xiaokang.audit.actions import ACTION_LABELS, OBJECT_LABELS, action_label, object_label

SOURCE = Path(__file__).resolve().parents[2]  # xiaokang/
ACTION = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*(?:\.[a-z0-9_]+)+$")
# The functions that record an audit event, and the argument positions an action may take.
AUDIT_CALLS = {
    "log_action": 1,
    "record_read": 1,
    "record_list": 1,
    "check_bulk_read": None,  # action= only
    "_audit_account": 1,
    "_audit_grant": 1,
    "log_applicant": 1,
    "Event": 0,
    "_render_tasks": None,  # audit=
}


def _tuple_in(module: str, name: str) -> tuple[str, ...]:
    """A module-level tuple of strings, read from the source (the audit layer imports no higher app)."""
    tree = ast.parse((SOURCE / module).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise LookupError(f"{name} not in {module}")


WORKFLOW_ACTIONS = _tuple_in("cases/workflow.py", "ACTIONS")
REVIEW_DECISIONS = _tuple_in("cases/enrolments.py", "DECISIONS")
TEMPORARY_DECISIONS = _tuple_in("cases/temporary.py", "DECISIONS")
# Actions written with an f-string: each family and the values its variable takes.
DYNAMIC = {
    "application.{action}": [f"application.{a}" for a in WORKFLOW_ACTIONS] + ["application.grant"],
    "enrolment.{decision}": [f"enrolment.{d}" for d in REVIEW_DECISIONS],
    "temporary_assistance.{decision}": [f"temporary_assistance.{d}" for d in TEMPORARY_DECISIONS],
    "registry.{ctx.source}": ["registry.import", "registry.seed", "registry.form"],
}


def _constants(node) -> list[str]:
    """The action strings an argument can be: a constant, either branch of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and ACTION.match(node.value):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    return []


def recorded_actions() -> dict[str, str]:
    """Action code → where it is first recorded (file:line), from the source."""
    found: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            candidates = []
            if isinstance(node, ast.Call):
                name = (
                    node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                )
                if name in AUDIT_CALLS:
                    position = AUDIT_CALLS[name]
                    if position is not None and len(node.args) > position:
                        candidates += _constants(node.args[position])
                    candidates += [
                        c for k in node.keywords if k.arg in ("action", "audit") for c in _constants(k.value)
                    ]
            elif isinstance(node, ast.Assign):
                # action = "…" before a log_action(actor, action, …); ALERT_ACTION = "…"
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                if any(n == "action" or n.endswith("_ACTION") for n in names):
                    candidates += _constants(node.value)
            elif isinstance(node, ast.FunctionDef) and node.name.endswith("action"):
                candidates += [
                    c for r in ast.walk(node) if isinstance(r, ast.Return) for c in _constants(r.value)
                ]
            for code in candidates:
                found.setdefault(code, f"{path.relative_to(SOURCE.parent)}:{node.lineno}")
    for codes in DYNAMIC.values():
        for code in codes:
            found.setdefault(code, "(f-string)")
    return found


def test_the_scan_finds_the_actions_it_must():
    found = recorded_actions()
    for code in ("application.approve", "person.view", "alert.bulk_read", "interpreting.interpreter.update"):
        assert code in found


def test_every_recorded_action_has_a_label():
    missing = {code: where for code, where in recorded_actions().items() if code not in ACTION_LABELS}
    assert not missing, "actions without a label in audit/actions.py ACTION_LABELS: " + ", ".join(
        f"{code} ({where})" for code, where in sorted(missing.items())
    )


def test_every_label_is_translated_to_chinese():
    with translation.override("zh-hans"):
        untranslated = [
            code for code, label in ACTION_LABELS.items() if not re.search(r"[\u4e00-\u9fff]", str(label))
        ]
    assert not untranslated, untranslated


def test_object_types_are_labelled_and_translated():
    with translation.override("zh-hans"):
        assert object_label("declaration") == "申报"
        assert all(re.search(r"[\u4e00-\u9fff]", str(label)) for label in OBJECT_LABELS.values())
    assert object_label("something_new") == "something_new"  # never blank


def test_an_unknown_action_is_shown_by_its_code():
    assert action_label("nothing.like_this") == "nothing.like_this"
