"""ARCHITECTURE rule 1 for the cases pages and API: views and API handlers parse, call one selector or
service, and render. Checked on the source: no model queries (``X.objects``), no transactions, and no
``client=`` threaded to the audit record (the audit middleware records the client address)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from xiaokang.cases.services import WorkflowError, check_version

CASES = Path(__file__).resolve().parents[1]
HANDLERS = [*sorted((CASES / "views").glob("*.py")), CASES / "api.py"]
SERVICES = [
    CASES / name for name in ("services.py", "temporary.py", "documents.py", "outreach.py", "enrolments.py")
]


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@pytest.mark.parametrize("path", HANDLERS, ids=lambda path: path.name)
def test_views_and_api_handlers_query_no_model_and_open_no_transaction(path):
    found = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Attribute) and node.attr in ("objects", "atomic"):
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module == "django.db":
            found.append(f"{path.name}:{node.lineno} from django.db import …")
    assert found == []


@pytest.mark.parametrize("path", [*HANDLERS, *SERVICES, CASES / "selectors.py"], ids=lambda path: path.name)
def test_no_client_address_is_threaded_through_the_cases_code(path):
    found = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.keyword) and node.arg == "client":
            found.append(f"{path.name}:{node.value.lineno} client=")
        if isinstance(node, ast.arg) and node.arg == "client":
            found.append(f"{path.name}:{node.lineno} parameter client")
    assert found == []


def test_an_action_on_a_version_the_officer_did_not_read_is_stale():
    class Read:
        version = 3

    check_version(Read(), 3)
    with pytest.raises(WorkflowError) as raised:
        check_version(Read(), 2)
    assert raised.value.kind == "stale"
    assert "version 3" in raised.value.message
