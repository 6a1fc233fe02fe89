import pytest

from xiaokang.audit.tests.fresh import xiaokang


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """A SQLite database made by a plain `xiaokang migrate` (the path a fresh clone takes)."""
    data_dir = tmp_path_factory.mktemp("migrated")
    result = xiaokang(data_dir, "migrate")
    assert result.returncode == 0, result.stderr
    return data_dir / "xiaokang.sqlite3"
