"""The zip-bomb guard counts the bytes it really unpacks (U11; GB/T 22239-2019 8.1.4.5): an xlsx whose
headers (local and central directory) declare small sizes for a 200 MB sheet is refused with "too large
when unzipped" by the shared reader of every upload path, in bounded time and memory (the CLI's exit 2:
tests/test_zip_bomb_cli.py)."""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from tests.helpers import person_row
from xiaokang.registry.importing.columns import PERSON_COLUMNS
from xiaokang.registry.importing.reader import FileRejected, read_table

SHEET = 200 * 1024 * 1024
CENTRAL = b"PK\x01\x02"
LOCAL = b"PK\x03\x04"


def patched_bomb(path: Path, *, declared: int = 1000, compressed_too: bool = False) -> Path:
    """A workbook whose sheet unpacks to 200 MB of spaces inside a valid XML shell, its uncompressed size
    (and, with ``compressed_too``, its compressed size) patched to ``declared`` in both headers."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b"<worksheet><sheetData>")
            block = b" " * (1024 * 1024)
            for _ in range(SHEET // len(block)):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    data = bytearray(buffer.getvalue())
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    local = info.header_offset
    assert data[local : local + 4] == LOCAL
    struct.pack_into("<L", data, local + 22, declared)  # local header: uncompressed size
    if compressed_too:
        struct.pack_into("<L", data, local + 18, declared)
    central = data.rindex(CENTRAL)  # the sheet is the last member: its central directory entry is last
    assert data[central + 46 : central + 46 + len(info.filename)] == info.filename.encode()
    struct.pack_into("<L", data, central + 24, declared)  # central directory: uncompressed size
    if compressed_too:
        struct.pack_into("<L", data, central + 20, declared)
    path.write_bytes(bytes(data))
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    path = patched_bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx")
    assert path.stat().st_size < 400 * 1024  # a few hundred KB on disk
    return path


@pytest.fixture(scope="module")
def bomb_both_sizes(tmp_path_factory) -> Path:
    return patched_bomb(tmp_path_factory.mktemp("bomb2") / "bomb.xlsx", compressed_too=True)


@pytest.mark.parametrize("which", ["bomb", "bomb_both_sizes"])
def test_declared_sizes_do_not_fool_the_guard(request, which, settings):
    settings.XIAOKANG_IMPORT_MAX_UNZIPPED_BYTES = 10 * 1024 * 1024
    path = request.getfixturevalue(which)
    assert sum(i.file_size for i in zipfile.ZipFile(path).infolist()) < 2000  # what the headers claim
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(FileRejected, match="too large when unzipped") as excinfo:
            read_table(path, PERSON_COLUMNS)
        elapsed = time.monotonic() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "解压后过大" in excinfo.value.zh
    # Stopped at the 10 MB limit, not after 200 MB: a fraction of a second and a few MB.
    assert elapsed < 5
    assert peak < 16 * 1024 * 1024


def test_a_lie_about_the_size_below_the_limit_is_a_broken_file(tmp_path, settings):
    """Under the limit the content must still match what the headers declare."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * 100_000)
    data = bytearray(buffer.getvalue())
    struct.pack_into("<L", data, data.rindex(CENTRAL) + 24, 10)
    struct.pack_into(
        "<L",
        data,
        zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml").header_offset + 22,
        10,
    )
    path = tmp_path / "liar.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(FileRejected, match="do not match its content"):
        read_table(path, PERSON_COLUMNS)


def test_an_honest_workbook_is_still_read(tmp_path):
    import xlsxwriter

    row = person_row(1)
    path = tmp_path / "ok.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, list(row))
    sheet.write_row(1, 0, list(row.values()))
    book.close()
    assert read_table(path, PERSON_COLUMNS).frame.height == 1
