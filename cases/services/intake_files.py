"""Reading import files into rows: CSV (UTF-8 with or without BOM, GB18030/GBK, UTF-16) and XLSX.

The kind of file is judged by its content, never by its name. Rows come out as
``NumberedRow(line, mapping)`` with the API's field names (account and assessment columns
nested), numbered by the file's own line (CSV: the row's first line, the header is line 1;
XLSX: the sheet's row number), so people can find a rejected row in the file they sent.
Fully empty rows are skipped and not counted. Cell text is kept as written: formulas are
never evaluated (openpyxl reads a formula cell as its text, ``=HYPERLINK(...)``).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _

from cases.services.intake_rows import NumberedRow

# Largest file accepted (the upload form says so too).
MAX_FILE_BYTES = 50 * 1024 * 1024
# How many leading rows may sit above the header (vendors put a report title there).
HEADER_SEARCH_ROWS = 10
# A cell far beyond any limit is still read, so its row is rejected alone and not the whole file.
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))

# Column names vendors and analysts use, by the row field they fill (account.* and assessment.* nest).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "platform": ("platform", "平台", "平台名称", "来源平台", "媒体平台", "发布平台", "站点"),
    "url": ("url", "link", "链接", "网址", "原文链接", "帖子链接", "内容链接", "视频链接", "文章链接", "原帖链接", "地址"),
    "platform_content_id": ("platform_content_id", "content_id", "内容id", "帖子id", "作品id", "视频id", "文章id"),
    "content_type": ("content_type", "type", "类型", "内容类型"),
    "title": ("title", "标题"),
    "text": ("text", "content", "body", "内容", "正文", "文本", "原文"),
    "published_at": ("published_at", "published", "publish_time", "发布时间", "发布日期", "发文时间", "时间"),
    "views": ("views", "阅读数", "阅读量", "播放量", "播放数", "浏览量", "浏览数"),
    "likes": ("likes", "点赞", "点赞数", "点赞量"),
    "shares": ("shares", "转发", "转发数", "转发量", "分享", "分享数"),
    "comments": ("comments", "评论", "评论数", "评论量"),
    "live_status": ("live_status", "在线状态", "内容状态"),
    "ai_label_present": ("ai_label_present", "ai标识", "ai生成标识", "是否有ai标识"),
    "account.platform_uid": ("platform_uid", "account_id", "uid", "user_id", "账号id", "用户id", "作者id", "博主id"),
    "account.name": ("account_name", "account", "author", "nickname", "账号名称", "账号", "昵称", "作者", "博主", "用户名"),
    "account.followers": ("followers", "粉丝数", "粉丝量", "粉丝"),
    "account.profile_url": ("profile_url", "主页链接", "账号主页", "作者主页"),
    "account.ip_location": ("ip_location", "ip属地", "ip归属地"),
    "account.verification": ("verification", "认证类型", "认证"),
    "assessment.conclusion": ("conclusion", "研判结论"),
    "assessment.rationale": ("rationale", "研判理由"),
    "assessment.severity": ("severity", "严重程度"),
    "assessment.category": ("category", "事件类别"),
    "assessment.infringement_types": ("infringement_types", "侵权类型"),
    "assessment.assessed_at": ("assessed_at", "研判时间"),
}


def _fold_header(value: Any) -> str:
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).lower()
    return re.sub(r"[\s_\-:：*]", "", text)


_COLUMN_FOR = {_fold_header(alias): key for key, aliases in HEADER_ALIASES.items() for alias in aliases}
_BINARY_SIGNATURES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf", b"BZh")
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``message`` says why, translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ParsedFile:
    kind: str  # "csv", "xlsx" or "json"
    estimated_rows: int | None
    rows: Iterator[NumberedRow]


def read_rows(handle: IO[bytes], *, allow_json: bool = False) -> ParsedFile:
    """Open an import file and return its rows; raise ImportFileError if it is not an importable file.

    ``allow_json`` accepts ``{"items": [...]}`` or ``[...]`` (the API's asynchronous bulk import).
    ``handle`` must stay open while the rows are read: CSV and XLSX files are streamed from it,
    never held in memory whole (an import job's memory does not grow with its file).
    """
    handle = _seekable(handle)
    size = handle.seek(0, io.SEEK_END)
    handle.seek(0)
    if size > MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)d MB: split it into smaller files.") % {"size": MAX_FILE_BYTES >> 20}
        )
    head = handle.read(_CHUNK)
    if not head.strip() and all(not chunk.strip() for chunk in _byte_chunks(handle)):
        raise ImportFileError(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(handle)
    if head.startswith(_OLE_SIGNATURE):
        raise ImportFileError(_("This is an old Excel file (.xls): save it as .xlsx or CSV and upload it again."))
    encoding = _encoding(handle, head)
    if allow_json and _first_character(handle, encoding) in ("{", "["):
        handle.seek(0)
        return _read_json(handle.read().decode(encoding))
    return _read_csv(handle, encoding)


# Bytes read at a time: the file is streamed, never read whole.
_CHUNK = 1 << 20


def _seekable(handle: IO[bytes]) -> IO[bytes]:
    """Return the handle, or a temporary copy of what it gives if it cannot seek (the file is read several times)."""
    if handle.seekable():
        return handle
    copy = tempfile.SpooledTemporaryFile(max_size=_CHUNK)  # noqa: SIM115 — it lives as long as the rows are read
    copied = 0
    while copied <= MAX_FILE_BYTES and (chunk := handle.read(_CHUNK)):
        copy.write(chunk)
        copied += len(chunk)
    copy.seek(0)
    return copy


def _byte_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while chunk := handle.read(_CHUNK):
        yield chunk


def _text_chunks(handle: IO[bytes], encoding: str) -> Iterator[str]:
    """Decode the whole file from its start, a chunk at a time (a BOM is dropped as ``bytes.decode`` drops it).

    Each pass keeps its own position, so passes over the same handle may interleave.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    position = 0
    while True:
        handle.seek(position)
        chunk = handle.read(_CHUNK)
        position += len(chunk)
        if text := decoder.decode(chunk, final=not chunk):
            yield text
        if not chunk:
            return


def _first_character(handle: IO[bytes], encoding: str) -> str:
    return next((text.lstrip()[:1] for text in _text_chunks(handle, encoding) if text.strip()), "")


def _not_a_table() -> ImportFileError:
    return ImportFileError(_("This file is neither a CSV file nor an Excel workbook (.xlsx)."))


def _decodes(handle: IO[bytes], encoding: str) -> str | None:
    """Return the file's first 64 Ki characters if the whole file decodes in ``encoding``, else None."""
    sample: list[str] = []
    length = 0
    try:
        for text in _text_chunks(handle, encoding):
            if length < 65536:
                sample.append(text[: 65536 - length])
                length += len(sample[-1])
    except UnicodeDecodeError:
        return None
    return "".join(sample)


def _encoding(handle: IO[bytes], head: bytes) -> str:
    """Return the encoding the whole file decodes in (checked chunk by chunk), or refuse the file."""
    if any(head.startswith(signature) for signature in _BINARY_SIGNATURES):
        raise _not_a_table()
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" export: UTF-16 with a byte order mark, tab-separated.
        encoding, sample = "utf-16", _decodes(handle, "utf-16")
        if sample is None:
            raise _not_a_table()
    else:
        # GB18030 is a superset of GBK and GB2312: what Chinese Excel and vendors' tools export.
        encoding, sample = "utf-8-sig", _decodes(handle, "utf-8-sig")
        if sample is None:
            encoding, sample = "gb18030", _decodes(handle, "gb18030")
        if sample is None:
            raise ImportFileError(_("The file's text is neither UTF-8 nor GB18030/GBK: save it as UTF-8 CSV."))
    # Binary data decodes into many control characters; a stray NUL in a cell is the row's problem, not the file's.
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n")
    if controls > len(sample) // 100:
        raise _not_a_table()
    return encoding


def _columns(header: Sequence[Any]) -> list[tuple[int, str]] | None:
    """Return (cell index, row field) for the known columns, or None without a URL column."""
    columns: list[tuple[int, str]] = []
    used: set[str] = set()
    for index, cell in enumerate(header):
        key = _COLUMN_FOR.get(_fold_header(cell))
        if key and key not in used:
            columns.append((index, key))
            used.add(key)
    return columns if "url" in used else None


def _no_url_column() -> ImportFileError:
    return ImportFileError(
        _("No URL column was found: the first row must name the columns, one of them 链接 or URL.")
    )


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _row(cells: Sequence[Any], columns: list[tuple[int, str]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for index, key in columns:
        if index >= len(cells) or _is_blank(cells[index]):
            continue
        group, _dot, name = key.rpartition(".")
        (data.setdefault(group, {}) if group else data)[name] = cells[index]
    return data


# One line with its ending (\r\n, \r or \n), as io.StringIO(newline="") splits them.
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(chunks: Iterable[str]) -> Iterator[str]:
    """Yield the lines of text given in chunks, for csv.reader, as ``io.StringIO(text, newline="")`` splits them.

    A line may span chunks, and a chunk ending in a carriage return waits for the next one (a line
    feed may follow).
    Only one chunk and one line are held at a time: a 100,000-row CSV job held the decoded file
    (2-4 bytes a character) for the whole import.
    """
    pending = ""
    for chunk in chunks:
        text = pending + chunk
        end = len(text) - 1 if text.endswith("\r") else len(text)
        last = max(text.rfind("\n", 0, end), text.rfind("\r", 0, end))
        if last < 0:
            pending = text
            continue
        for match in _LINE_RE.finditer(text, 0, last + 1):
            yield match.group(0)
        pending = text[last + 1 :]
    for match in _LINE_RE.finditer(pending):
        yield match.group(0)


def _read_csv(handle: IO[bytes], encoding: str) -> ParsedFile:
    # The separator used most in the first lines (Chinese text uses full-width commas, so ASCII ones delimit).
    head = "".join(
        line for _seen, line in zip(range(HEADER_SEARCH_ROWS), _lines(_text_chunks(handle, encoding)), strict=False)
    )
    delimiter = max((",", "\t", ";"), key=head.count)
    reader = csv.reader(_lines(_text_chunks(handle, encoding)), delimiter=delimiter)
    columns = None
    try:
        for _seen, cells in zip(range(HEADER_SEARCH_ROWS), reader, strict=False):
            columns = _columns(cells)
            if columns:
                break
    except csv.Error:
        raise _not_a_table()
    if not columns:
        raise _no_url_column()
    # A second, independent pass over the file counts the rows (for the job's progress bar).
    try:
        estimate = sum(1 for cells in csv.reader(_lines(_text_chunks(handle, encoding)), delimiter=delimiter)
                       if any(cell.strip() for cell in cells)) - 1  # fmt: skip
    except csv.Error:
        estimate = 0  # the rows themselves report the line that cannot be read
    return ParsedFile("csv", max(estimate, 0), _csv_rows(reader, columns, reader.line_num))


def _csv_rows(reader: Any, columns: list[tuple[int, str]], header_line: int) -> Iterator[NumberedRow]:
    previous = header_line
    try:
        for cells in reader:
            start, previous = previous + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                yield NumberedRow(start, _row(cells, columns))
    except csv.Error as exc:
        raise ImportFileError(
            _("Line %(line)d cannot be read as CSV: %(error)s") % {"line": previous + 1, "error": exc}
        )


def _read_xlsx(handle: IO[bytes]) -> ParsedFile:
    import openpyxl  # loaded only when a workbook arrives

    try:
        handle.seek(0)
        names = set(zipfile.ZipFile(handle).namelist())
    except zipfile.BadZipFile:
        raise _not_a_table()
    if "xl/workbook.xml" not in names:
        raise _not_a_table()
    try:
        # Read-only mode streams the sheet from the open file, a row at a time.
        handle.seek(0)
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        estimate = sheet.max_row
        # Read every row, not only as far as the (possibly wrong) dimension the writer recorded.
        sheet.reset_dimensions()
        rows = enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
        columns = None
        for number, cells in rows:
            columns = _columns(cells)
            if columns or number >= HEADER_SEARCH_ROWS:
                break
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001 — openpyxl raises many kinds for a damaged workbook
        raise ImportFileError(_("The Excel workbook cannot be read: it may be damaged or protected."))
    if not columns:
        raise _no_url_column()
    estimated_rows = max(estimate - number, 0) if estimate else None
    return ParsedFile("xlsx", estimated_rows, _xlsx_rows(rows, columns, workbook))


def _xlsx_rows(rows: Iterator[tuple[int, tuple]], columns: list[tuple[int, str]], workbook: Any) -> Iterator[NumberedRow]:
    try:
        for number, cells in rows:
            if any(not _is_blank(cell) for cell in cells):
                yield NumberedRow(number, _row(cells, columns))
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001
        raise ImportFileError(_("The Excel workbook cannot be read: it may be damaged or protected."))
    finally:
        workbook.close()


def _read_json(text: str) -> ParsedFile:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise ImportFileError(_("The file is not valid JSON."))
    items = data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ImportFileError(_("The JSON must be a list of items or an object with an “items” list."))
    return ParsedFile("json", len(items), (NumberedRow(index, item) for index, item in enumerate(items)))
