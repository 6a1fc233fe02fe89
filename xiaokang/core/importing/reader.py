"""Opening a spreadsheet safely (R5, U11), for every dataset of the import framework: size and zip-bomb
limits first, type by content (not by name), then every cell as text in a Polars frame with the header
mapped to field names.

Anything that makes the file unusable raises ``FileRejected`` (the CLI's exit code 2); nothing here
looks at row values, that is validation's job."""

from __future__ import annotations

import csv
import io
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl
from django.conf import settings

from xiaokang.core.importing.columns import Column

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc


class FileRejected(Exception):
    """The file cannot be used at all (exit code 2)."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass
class Sheet:
    frame: pl.DataFrame  # one Utf8 column per known field, plus "__row" (spreadsheet row number)
    headers: dict[str, str]  # field → header as written in the file
    unknown_columns: list[str] = field(default_factory=list)


def _check_size(path: Path, limit: int) -> int:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise FileRejected(f"文件不存在：{path}", f"file not found: {path}") from None
    if not path.is_file():
        raise FileRejected(f"不是文件：{path}", f"not a file: {path}")
    if size > limit:
        raise FileRejected(
            f"文件大小 {size} 字节超过上限 {limit} 字节",
            f"the file is {size} bytes, over the {limit}-byte limit",
        )
    if size == 0:
        raise FileRejected("文件为空", "the file is empty")
    return size


def _too_large(limit: int) -> FileRejected:
    return FileRejected(
        f"文件解压后过大：超过上限 {limit} 字节",
        f"the file is too large when unzipped: over the {limit}-byte limit",
    )


def _broken(zh: str = "压缩结构损坏", en: str = "broken zip structure") -> FileRejected:
    return FileRejected(f"不是有效的xlsx文件（{zh}）", f"not a valid xlsx file ({en})")


def _check_xlsx_container(data: bytes) -> None:
    """The zip-bomb guard (U11; GB/T 22239-2019 8.1.4.5): the sizes an archive declares are only a first,
    cheap refusal; every member is then really decompressed, counting the bytes it produces, and the
    file is refused as soon as the total passes XIAOKANG_IMPORT_MAX_UNZIPPED_BYTES. Only then does
    fastexcel see the file."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _broken() from None
    limit = settings.XIAOKANG_IMPORT_MAX_UNZIPPED_BYTES
    if sum(info.file_size for info in infos) > limit:
        raise _too_large(limit)
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise FileRejected(
            "这个文件不是电子表格（xlsx或csv）：压缩文件不是xlsx工作簿",
            "this file is not a spreadsheet (xlsx or csv): the zip archive is not an xlsx workbook",
        )
    total = 0
    for info in infos:
        total += _unzipped_size(data, info, limit - total)


_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # PKWARE APPNOTE 4.3.7: the 30 bytes before the name
_INPUT_CHUNK = 64 * 1024
_OUTPUT_STEP = 1024 * 1024  # at most this much decompressed output is held at once


def _unzipped_size(data: bytes, info: zipfile.ZipInfo, allowed: int) -> int:
    """The bytes ``info``'s member really decompresses to, read from its local header on and ignoring
    the sizes either header declares (a patched header can declare anything). Raises ``FileRejected`` as
    soon as the count passes ``allowed``, or when the member is damaged, encrypted, compressed with a
    method no xlsx uses, or its content does not match the size it declares."""
    offset = info.header_offset
    if offset < 0 or offset + _LOCAL_HEADER.size > len(data):
        raise _broken()
    magic, _version, flags, method, _time, _date, _crc, _csize, _usize, name_len, extra_len = (
        _LOCAL_HEADER.unpack_from(data, offset)
    )
    if magic != b"PK\x03\x04" or method != info.compress_type:
        raise _broken()
    if flags & 0x1:
        raise FileRejected(
            "xlsx文件已加密，请先取消密码", "the xlsx file is encrypted: remove the password first"
        )
    start = offset + _LOCAL_HEADER.size + name_len + extra_len
    view = memoryview(data)
    if method == zipfile.ZIP_STORED:
        produced = min(info.compress_size, max(len(data) - start, 0))
        if produced > allowed:
            raise _too_large(settings.XIAOKANG_IMPORT_MAX_UNZIPPED_BYTES)
    elif method == zipfile.ZIP_DEFLATED:
        produced = 0
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        position = start
        try:
            while not inflater.eof:
                chunk = view[position : position + _INPUT_CHUNK]
                if not chunk:
                    raise _broken("压缩数据不完整", "truncated compressed data")
                position += len(chunk)
                pending = chunk
                while pending and not inflater.eof:
                    produced += len(inflater.decompress(pending, _OUTPUT_STEP))
                    if produced > allowed:
                        raise _too_large(settings.XIAOKANG_IMPORT_MAX_UNZIPPED_BYTES)
                    pending = inflater.unconsumed_tail
        except zlib.error:
            raise _broken("压缩数据损坏", "damaged compressed data") from None
    else:
        raise _broken("使用了xlsx不使用的压缩方式", f"compression method {method}, which no xlsx uses")
    if produced != info.file_size:
        raise _broken("声明的大小与内容不符", "the sizes it declares do not match its content")
    return produced


def _read_xlsx(data: bytes) -> list[pl.Series] | pl.DataFrame:
    try:
        reader = fastexcel.read_excel(data)
        if not reader.sheet_names:
            raise FileRejected("工作簿没有工作表", "the workbook has no sheet")
        sheet = reader.load_sheet(0, header_row=None, dtypes="string", skip_whitespace_tail_rows=True)
        return sheet.to_polars()
    except FileRejected:
        raise
    except Exception as exc:  # the reader's own errors: a damaged or unreadable workbook
        raise FileRejected(f"无法读取xlsx：{exc}", f"cannot read the xlsx file: {exc}") from None


# What a file that is not a spreadsheet usually is, by its first bytes (R5, U11): a staff member who
# chose the wrong file is told what they chose, whatever its name ends with.
OTHER_FORMATS = (
    (b"%PDF", "PDF文档", "a PDF document"),
    (b"\x89PNG", "PNG图片", "a PNG image"),
    (b"\xff\xd8\xff", "JPEG图片", "a JPEG image"),
    (b"GIF8", "GIF图片", "a GIF image"),
    (b"Rar!", "RAR压缩包", "a RAR archive"),
    (b"7z\xbc\xaf", "7z压缩包", "a 7z archive"),
    (b"\x1f\x8b", "gzip压缩包", "a gzip archive"),
    (b"{\\rtf", "RTF文档", "an RTF document"),
)


def not_a_spreadsheet(what_zh: str = "", what_en: str = "") -> FileRejected:
    """The one message for a file that is no spreadsheet at all, saying what it seems to be if known."""
    zh = "这个文件不是电子表格（xlsx或csv）" + (f"：看起来是{what_zh}" if what_zh else "")
    en = "this file is not a spreadsheet (xlsx or csv)" + (f": it looks like {what_en}" if what_en else "")
    return FileRejected(zh, en)


def _looks_binary(head: bytes) -> bool:
    """Text (a CSV in any encoding) has almost no control bytes other than tab, newline, return."""
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 0x20 and byte not in (0x09, 0x0A, 0x0D, 0x0C))
    return controls > max(2, len(head) // 100)


def _read_csv(data: bytes) -> pl.DataFrame:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for magic, what_zh, what_en in OTHER_FORMATS:
        if data.startswith(magic):
            raise not_a_spreadsheet(what_zh, what_en)
    if _looks_binary(data[:65536]):
        raise not_a_spreadsheet()
    try:
        return pl.read_csv(io.BytesIO(data), has_header=False, infer_schema=False)
    except Exception:  # polars refuses invalid UTF-8, ragged rows, bad quoting; say which, and where
        # Decoded only now: a copy of a large file as Python text costs more than reading it.
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileRejected(
                f"CSV不是UTF-8编码（第{exc.start}字节），请另存为“CSV UTF-8”",
                f"the CSV is not UTF-8 (byte {exc.start}); save it as 'CSV UTF-8'",
            ) from None
        line, detail_zh, detail_en = _first_csv_problem(data)
        raise FileRejected(
            f"CSV格式错误：第{line}行{detail_zh}", f"malformed CSV: line {line} {detail_en}"
        ) from None


def _first_csv_problem(data: bytes) -> tuple[int, str, str]:
    """Locate the first malformed line with the standard csv module (only runs when Polars refused)."""
    text = data.decode("utf-8")
    try:
        rows = csv.reader(io.StringIO(text, newline=""), strict=True)
        width = None
        for number, row in enumerate(rows, start=1):
            if width is None:
                width = len(row)
            elif len(row) != width and any(cell.strip() for cell in row):
                return (
                    number,
                    f"有{len(row)}列，表头有{width}列",
                    f"has {len(row)} fields, the header has {width}",
                )
    except csv.Error as exc:
        return rows.line_num, "引号不匹配", f"has unbalanced quotes ({exc})"
    return 1, "无法解析", "cannot be parsed"


def read_table(
    path: str | os.PathLike, columns: tuple[Column, ...], *, max_bytes: int | None = None
) -> Sheet:
    """Read ``path`` (xlsx or csv, decided by content) into text columns named by field. ``max_bytes``
    defaults to the import limit (XIAOKANG_IMPORT_MAX_BYTES); batch jobs that read without storing (screen)
    pass their own."""
    path = Path(path)
    _check_size(path, settings.XIAOKANG_IMPORT_MAX_BYTES if max_bytes is None else max_bytes)
    data = path.read_bytes()
    if data.startswith(ZIP_MAGIC):
        _check_xlsx_container(data)
        raw = _read_xlsx(data)
    elif data.startswith(OLE_MAGIC):
        raise FileRejected(
            "不支持旧版.xls文件，请另存为.xlsx", "legacy .xls files are not supported; save as .xlsx"
        )
    else:
        raw = _read_csv(data)
    if raw.height == 0:
        raise FileRejected("文件没有表头行", "the file has no header row")
    return _map_header(raw, columns)


def _map_header(raw: pl.DataFrame, columns: tuple[Column, ...]) -> Sheet:
    by_header = {**{c.zh: c for c in columns}, **{c.field: c for c in columns}}
    header_cells = [("" if v is None else str(v).strip()) for v in raw.row(0)]
    headers: dict[str, str] = {}
    keep: dict[str, str] = {}
    unknown: list[str] = []
    for raw_name, header in zip(raw.columns, header_cells, strict=True):
        column = by_header.get(header) or by_header.get(header.lower())
        if column is None:
            if header:
                unknown.append(header)
            continue
        if column.field in headers:
            raise FileRejected(
                f"列“{column.zh}”出现两次（“{headers[column.field]}”和“{header}”）",
                f"column {column.field} appears twice ({headers[column.field]!r} and {header!r})",
            )
        headers[column.field] = header
        keep[raw_name] = column.field
    missing = [c for c in columns if c.required and c.field not in headers]
    if missing:
        raise FileRejected(
            "缺少必需的列：" + "、".join(c.zh for c in missing),
            "missing required columns: " + ", ".join(c.field for c in missing),
        )
    body = raw.slice(1).select([pl.col(k).alias(v) for k, v in keep.items()])
    body = body.with_columns(pl.all().str.strip_chars().replace("", None))
    body = body.with_row_index("__row", offset=2).with_columns(pl.col("__row").cast(pl.Int64))
    # Rows with no value at all are spacing, not records: skipped, their numbers kept for the others.
    value_columns = [c for c in body.columns if c != "__row"]
    body = body.filter(pl.any_horizontal(pl.col(value_columns).is_not_null()))
    return Sheet(frame=body, headers=headers, unknown_columns=unknown)
