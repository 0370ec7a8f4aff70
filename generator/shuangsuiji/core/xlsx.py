"""A one-sheet XLSX written as text: the open-data tables, fast and byte-deterministic.

openpyxl spends about 20 µs a cell (a city's open data: most of the stage) and stamps the
clock into the document and its zip entries; a sheet of plain values is a few XML parts, so
they are written here directly. Row 1 is bold (the titles a person reads), row 2 small and
grey (the field names a program reads), both frozen; dates are real dates shown yyyy-mm-dd
(Excel sorts and filters them as dates), numbers numbers, everything else inline text. The
document's times and every zip entry's are the caller's `stamp`, never the clock.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from datetime import date, datetime
from typing import Any, BinaryIO, Iterable, Sequence
from xml.sax.saxutils import escape

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")  # Excel refuses these in a sheet's name
_EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system (after its 1900 leap-year bug)
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the format id of user-defined properties
BOLD, NAMES, DATE = 1, 2, 3  # cell styles (cellXfs) of styles.xml below

_CONTENT_TYPES = _DECL + (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '<Override PartName="/docProps/custom.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>'
    '</Types>')
_ROOT_RELS = _DECL + (
    f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{_PKG_REL}/metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
    f'<Relationship Id="rId4" Type="{_REL}/custom-properties" Target="docProps/custom.xml"/>'
    '</Relationships>')
_WORKBOOK_RELS = _DECL + (
    f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    '</Relationships>')
_APP = _DECL + (
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    '<Application>shuangsuiji</Application></Properties>')
_STYLES = _DECL + (
    f'<styleSheet xmlns="{_NS}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="3"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><sz val="9"/><color rgb="FF808080"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')


def _text(s: Any) -> str:
    return escape(_ILLEGAL.sub("", str(s)), {'"': "&quot;"})


def _column(n: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    name = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        name = chr(65 + r) + name
    return name


def _body(v: Any, style: int) -> str:
    """A cell after its reference: its style, type and value."""
    s = f' s="{style}"' if style else ""
    if isinstance(v, bool) or not isinstance(v, (int, float, date)):
        t = _text(v)
        space = ' xml:space="preserve"' if t != t.strip() or "\n" in t else ""
        return f'{s} t="inlineStr"><is><t{space}>{t}</t></is></c>'
    if isinstance(v, date):
        return f' s="{DATE}"><v>{(v - _EXCEL_EPOCH).days}</v></c>'
    return f'{s}><v>{v!r}</v></c>'


def _sheet(rows: Sequence[Sequence[Any]], styles: dict[int, int], frozen: int) -> str:
    """The sheet; its dimension names the full width, so a reader pads rows whose last cells are
    empty. A text's markup is made once a sheet (columns repeat their values)."""
    width = max((len(r) for r in rows), default=1)
    letters = [_column(i) for i in range(width)]
    out = [_DECL, f'<worksheet xmlns="{_NS}" xmlns:r="{_REL}">',
           f'<dimension ref="A1:{letters[-1]}{max(len(rows), 1)}"/><sheetViews><sheetView workbookViewId="0">']
    if frozen:
        out.append(f'<pane ySplit="{frozen}" topLeftCell="A{frozen + 1}" activePane="bottomLeft" state="frozen"/>'
                   '<selection pane="bottomLeft"/>')
    out.append("</sheetView></sheetViews><sheetData>")
    texts: dict[str, str] = {}
    for n, row in enumerate(rows, 1):
        style = styles.get(n, 0)
        cells = []
        for i, v in enumerate(row):
            if v is None or v == "":
                continue
            if style or v.__class__ is not str:
                body = _body(v, style)
            elif (body := texts.get(v)) is None:
                body = texts[v] = _body(v, 0)
            cells.append(f'<c r="{letters[i]}{n}"{body}')
        out.append(f'<row r="{n}">{"".join(cells)}</row>')
    out.append("</sheetData></worksheet>")
    return "".join(out)


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_xlsx(title: str, rows: Sequence[Sequence[Any]], stamp: datetime, *, creator: str, description: str = "",
               custom: dict[str, str] | None = None, styles: dict[int, int] | None = None, frozen: int = 0) -> bytes:
    """One sheet of `rows` (None and "" are empty cells). `styles` maps a row number (from 1) to
    BOLD or NAMES; `frozen` rows stay on screen; `custom` are the document's own properties;
    `stamp` (UTC, naive) is its creation and modification time and its zip entries' time."""
    sheet_name = _SHEET_NAME_BAD.sub("_", title)[:31] or "Sheet1"
    workbook = _DECL + (f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
                        f'<sheets><sheet name="{_text(sheet_name)}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    core = _DECL + (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dc:title>{_text(title)}</dc:title><dc:creator>{_text(creator)}</dc:creator>'
        + (f'<dc:description>{_text(description)}</dc:description>' if description else "")
        + f'<dcterms:created xsi:type="dcterms:W3CDTF">{_iso(stamp)}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_iso(stamp)}</dcterms:modified></cp:coreProperties>')
    props = "".join(f'<property fmtid="{_CUSTOM_FMTID}" pid="{pid}" name="{_text(k)}"><vt:lpwstr>{_text(v)}</vt:lpwstr>'
                    '</property>' for pid, (k, v) in enumerate((custom or {}).items(), 2))
    custom_xml = _DECL + (
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        f'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{props}</Properties>')
    parts = [("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _ROOT_RELS), ("docProps/app.xml", _APP),
             ("docProps/core.xml", core), ("docProps/custom.xml", custom_xml), ("xl/workbook.xml", workbook),
             ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS), ("xl/styles.xml", _STYLES),
             ("xl/worksheets/sheet1.xml", _sheet(rows, styles or {}, frozen))]
    out = io.BytesIO()
    zip_members(out, [(name, text.encode("utf-8")) for name, text in parts], stamp.timetuple()[:6])
    return out.getvalue()


def zip_members(out: io.BytesIO, members: Iterable[tuple[str, bytes]], when: tuple) -> None:
    """A zip of `members` in the order given, every entry dated `when` (a zip stores local times of day)."""
    zip_deflated(out, ((name, deflated(data)) for name, data in members), when)


def deflated(data: bytes) -> tuple[int, int, bytes]:
    """A zip member's CRC-32, size and raw deflate stream (zlib's default level, as zipfile's)."""
    z = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return zlib.crc32(data), len(data), z.compress(data) + z.flush()


def zip_deflated(out: BinaryIO, members: Iterable[tuple[str, tuple[int, int, bytes]]], when: tuple) -> None:
    """A zip (no zip64: under 65,535 members and 4 GB) of members already `deflated`, in the order
    given, every entry dated `when`, mode 0644: a year's zip compresses again only its changed tables."""
    dos_time = (when[3] << 11) | (when[4] << 5) | (when[5] // 2)
    dos_date = ((when[0] - 1980) << 9) | (when[1] << 5) | when[2]
    central = []
    for name, (crc, size, blob) in members:
        raw = name.encode("utf-8")
        flags = 0 if raw.isascii() else 0x800  # bit 11: the name is UTF-8
        offset = out.tell()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, 8, dos_time, dos_date, crc, len(blob), size,
                              len(raw), 0) + raw)
        out.write(blob)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", (3 << 8) | 20, 20, flags, 8, dos_time, dos_date, crc,
                                   len(blob), size, len(raw), 0, 0, 0, 0, 0o644 << 16, offset) + raw)
    start = out.tell()
    out.write(b"".join(central))
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central), out.tell() - start, start, 0))
