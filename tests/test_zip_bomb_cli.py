"""Every command that reads an uploaded spreadsheet refuses the patched-header zip bomb with exit 2 and
the "too large when unzipped" error (U11; GB/T 22239-2019 8.1.4.5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xiaokang.cli import main
from xiaokang.registry.tests.test_zip_bomb import patched_bomb


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    return patched_bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "argv",
    [
        ["import", "persons", "{file}"],
        ["import", "enrolments", "{file}"],
        ["import", "employers", "{file}"],
        ["screen", "{file}", "--out", "{out}"],
        ["levy", "{file}", "--year", "2025", "--out", "{out}"],
    ],
)
def test_every_upload_command_exits_2(argv, bomb, tmp_path, settings, capsys):
    settings.XIAOKANG_IMPORT_MAX_UNZIPPED_BYTES = 10 * 1024 * 1024
    args = [a.format(file=bomb, out=tmp_path / "out.csv") for a in argv]
    assert main(args) == 2
    assert "too large when unzipped" in capsys.readouterr().err
