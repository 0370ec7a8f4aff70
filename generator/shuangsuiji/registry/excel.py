"""Excel templates of the plan's annexes (附件2–5), and their import into the registry.

Departments keep these tables in Excel; the registry keeps YAML and CSV. The template's
columns are derived from the record models (titles, types, enumerations, visibility),
so a template cannot drift from the schema: row 1 holds the Chinese headers a person
reads, hidden row 2 the field names the importer trusts. Import is all or nothing:
every row is checked with the model and any problem, named by sheet, row and column
header, means nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter
from pydantic import BaseModel, TypeAdapter, ValidationError

from shuangsuiji.core.errors import Problem, fail, problem
from shuangsuiji.registry.load import LIST_SEP
from shuangsuiji.registry.models.base import YearMonth, field_meta
from shuangsuiji.registry.models.inspector import Inspector, InspectorsFile
from shuangsuiji.registry.models.item import ChecklistRow, Item, ItemList, LegalBasis
from shuangsuiji.registry.models.liaison import Liaison, LiaisonFile
from shuangsuiji.registry.models.target import Target
from shuangsuiji.registry.schema_errors import problems_from

FORMAT_VERSION = "1"
META_SHEET = "ssj"  # hidden: marks the file as an ssj template and names its kind
LISTS_SHEET = "lists"  # hidden: the values of every drop-down list
INFO_SHEET = "基本信息"
HELP_SHEET = "填表说明"
FIRST_ROW = 3  # row 1: Chinese headers, row 2 (hidden): field names
MAX_ROW = 1048576
SEPARATORS = re.compile(r"[；;\n\r]+")
_YEAR_MONTH = TypeAdapter(YearMonth).json_schema()["pattern"]
_BASIS_RE = re.compile(r"《(?P<law>[^《》]+)》(?P<articles>[^《》]*)")
_EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number


# --- columns, derived from the models ------------------------------------------------------

@dataclass(frozen=True)
class Column:
    name: str  # model field name (hidden row 2)
    header: str  # Chinese header (row 1)
    shape: str  # text | int | date | year-month | bool | basis
    many: bool
    choices: tuple[str, ...]
    required: bool
    pattern: str | None
    description: str
    visibility: str  # 公开 / 遮蔽（…） / 不公开 / 依法不予公开（…）


@dataclass(frozen=True)
class Sheet:
    title: str
    model: type[BaseModel]
    columns: tuple[Column, ...]
    parent_key: Column | None = None  # child sheets: the column naming the parent row's id
    vertical: bool = False  # info sheets: one field per row (label in A, value in B)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Template:
    kind: str
    title: str  # 附件2 随机抽查事项清单
    main: Sheet
    container: type[BaseModel] | None  # the YAML file model; None for CSV target shards
    list_field: str | None  # the container field holding the main sheet's records
    children: dict[str, Sheet] = field(default_factory=dict)  # nested list field → its sheet
    info: Sheet | None = None  # container-level values (one per file)
    prefill: tuple[tuple[str, str], ...] = ()  # (field, value) written in the first rows
    dept_default: tuple[str, ...] = ()  # fields that are the importing department when left empty
    notes: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.title.replace(' ', '-')}.xlsx"


_MASK_SHOWN = {"name": "张*", "mobile": "138****1234", "phone": "0539****123", "id_number": "371302********1234"}


def visibility_label(model: type[BaseModel], name: str) -> str:
    """How the field appears on the public site, from its `x-visibility` declaration."""
    meta = field_meta(model, name)
    vis = meta["x-visibility"]
    if vis == "public":
        return "公开"
    if vis == "masked":
        return f"遮蔽后公开（如 {_MASK_SHOWN[meta['x-mask']]}）"
    if vis == "private":
        return "不公开"
    label = f"依法不予公开（涉及{meta['x-withheld-reason']}）"
    if meta.get("x-public-for-types"):
        label += f"；{'、'.join(meta['x-public-for-types'])}的公开"
    return label


def _column(model: type[BaseModel], name: str, prop: dict, required: bool, header: str | None) -> Column:
    inner = next((p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"), prop)
    many = inner.get("type") == "array"
    if many:
        inner = inner["items"]
    ref = inner.get("$ref", "").rsplit("/", 1)[-1]
    if ref == LegalBasis.__name__:
        shape = "basis"
    elif ref:
        raise ValueError(f"{model.__name__}.{name}: nested records need a sheet of their own")
    elif inner.get("type") == "integer":
        shape = "int"
    elif inner.get("type") == "boolean":
        shape = "bool"
    elif inner.get("format") == "date":
        shape = "date"
    elif inner.get("pattern") == _YEAR_MONTH:
        shape = "year-month"
    else:
        shape = "text"
    pattern = inner.get("pattern") if shape == "text" else None
    return Column(name, header or prop["title"], shape, many, tuple(inner.get("enum", ())), required, pattern,
                  prop.get("description", ""), visibility_label(model, name))


def columns_of(model: type[BaseModel], first: tuple[str, ...] = (), headers: dict[str, str] | None = None,
               skip: tuple[str, ...] = (), dept_default: tuple[str, ...] = ()) -> tuple[Column, ...]:
    """The model's fields as columns: `first` in that order, then the others in model order."""
    schema = model.model_json_schema()
    props, required = schema["properties"], set(schema.get("required", ()))
    names = list(first) + [n for n in props if n not in first and n not in skip]
    cols = [_column(model, n, props[n], n in required, (headers or {}).get(n)) for n in names]
    return tuple(replace(c, required=False, description=c.description or "留空为本部门（导入时 --dept 指定）")
                 if c.name in dept_default else c for c in cols)


# Annex 2 of the plan, in its order and with its exact headers; the national extension follows.
ANNEX2_FIELDS = ("seq", "name", "basis", "objects", "content", "methods", "frequency", "partners", "publicity")
_ITEM_KEY = Column("item", "事项编号", "text", False, (), True, None, "所属事项的编号（随机抽查事项清单的“事项编号”）",
                   "公开")


def _templates() -> dict[str, Template]:
    item_cols = columns_of(Item, ANNEX2_FIELDS, {"partners": "联合抽查部门"}, skip=("checklist",),
                           dept_default=("initiator",))
    liaison_info = tuple(c for c in columns_of(LiaisonFile, skip=("department", "people")))
    return {t.kind: t for t in (
        Template("items", "附件2 随机抽查事项清单", Sheet("随机抽查事项清单", Item, item_cols), ItemList, "items",
                 children={"checklist": Sheet("检查表格", ChecklistRow, (_ITEM_KEY,) + columns_of(ChecklistRow),
                                              parent_key=_ITEM_KEY)},
                 dept_default=("initiator",),
                 notes=("“发起部门”留空时为导入时 --dept 指定的本部门。",
                        "“检查表格”工作表填写每个事项的检查内容（一张表格管检查），用“事项编号”对应到事项。",
                        "导入时保留原 items.yaml 中的审核审查记录和动态调整记录。")),
        Template("targets", "附件3 检查对象名录库", Sheet("检查对象名录库", Target, columns_of(Target)), None, None,
                 notes=("统一社会信用代码、注册号等代码列已设为文本格式；请勿改为数字格式，"
                        "否则 Excel 会丢掉开头的 0 或把 18 位数字变成科学计数法。",)),
        Template("inspectors", "附件4 执法检查人员名录库",
                 Sheet("执法检查人员名录库", Inspector, columns_of(Inspector)), InspectorsFile, "inspectors",
                 notes=("专家或第三方只能辅助检查，不能单独实施检查。",)),
        Template("liaison", "附件5 工作联络表", Sheet("工作联络表", Liaison, columns_of(Liaison)), LiaisonFile, "people",
                 info=Sheet(INFO_SHEET, LiaisonFile, liaison_info, vertical=True),
                 prefill=(("role", "分管负责人"), ("role", "牵头科室负责人"), ("role", "联络员")),
                 notes=("每个部门单位确定 1 名分管负责人、1 个牵头科室和 1 名联络员。",)),
    )}


TEMPLATES = _templates()


# --- writing a template ------------------------------------------------------------------------

_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FONT = Font(bold=True, color="C00000")
_OPTIONAL_FONT = Font(bold=True)
_SHAPE_FORMAT = {"date": "yyyy-mm-dd", "int": "0"}


def format_text(c: Column) -> str:
    """What a person must type in the column, in Chinese."""
    if c.choices:
        text = "从下拉列表选择：" + "、".join(c.choices)
    else:
        text = {"text": "文本", "int": "整数", "date": "日期（单元格为日期格式，或写 2026-04-25）",
                "year-month": "年月，写 1980-05", "bool": "是 / 否",
                "basis": "《法律法规规章名称》条款，如《中华人民共和国食品安全法》第八十七条"}[c.shape]
        if c.pattern:
            text += f"，须符合格式 {c.pattern}"
    if c.many:
        text += "；可填多个，用“；”或换行分隔"
    return text


def _width(text: str) -> float:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) + 2


class _Lists:
    """The hidden sheet of drop-down values: one column per list, shared by equal lists."""

    def __init__(self, ws):
        self.ws = ws
        self.ranges: dict[tuple[str, ...], str] = {}

    def ref(self, values: tuple[str, ...]) -> str:
        if values not in self.ranges:
            col = get_column_letter(len(self.ranges) + 1)
            for i, v in enumerate(values, start=1):
                self.ws[f"{col}{i}"] = v
            self.ranges[values] = f"{quote_sheetname(LISTS_SHEET)}!${col}$1:${col}${len(values)}"
        return self.ranges[values]


def _validation(c: Column, lists: _Lists) -> DataValidation | None:
    values = c.choices or (("是", "否") if c.shape == "bool" else ())
    if values:
        # Multi-valued cells hold "a；b", which a strict list would refuse: offer the list, allow more.
        return DataValidation(type="list", formula1=lists.ref(values), allow_blank=True,
                              showErrorMessage=not c.many, errorTitle=c.header,
                              error=f"请从下拉列表选择：{'、'.join(values)}"[:255],
                              showInputMessage=c.many, promptTitle=c.header[:32],
                              prompt="可填多个，用“；”分隔" if c.many else None)
    if c.shape == "date" and not c.many:
        return DataValidation(type="date", operator="greaterThan", formula1="DATE(1900,1,1)", allow_blank=True,
                              showErrorMessage=True, errorTitle=c.header, error="请输入日期，如 2026-04-25")
    if c.shape == "int" and not c.many:
        return DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                              showErrorMessage=True, errorTitle=c.header, error="请输入整数")
    return None


def _write_table(ws, sheet: Sheet, lists: _Lists) -> None:
    for i, c in enumerate(sheet.columns, start=1):
        letter = get_column_letter(i)
        head = ws.cell(1, i, c.header)
        head.font = _REQUIRED_FONT if c.required else _OPTIONAL_FONT
        head.fill = _HEAD_FILL
        head.alignment = Alignment(wrap_text=True, vertical="center")
        ws.cell(2, i, c.name)
        dim = ws.column_dimensions[letter]
        dim.width = min(max(_width(c.header), 10), 40)
        dim.number_format = _SHAPE_FORMAT.get(c.shape, "@") if not c.many else "@"
        dv = _validation(c, lists)
        if dv is not None:
            dv.add(f"{letter}{FIRST_ROW}:{letter}{MAX_ROW}")
            ws.add_data_validation(dv)
    ws.row_dimensions[2].hidden = True
    ws.freeze_panes = f"A{FIRST_ROW}"


def _write_info(ws, sheet: Sheet, lists: _Lists) -> None:
    """Container values as label / value rows; hidden column C names the field."""
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].hidden = True
    for row, c in enumerate(sheet.columns, start=1):
        ws.cell(row, 1, c.header).font = _REQUIRED_FONT if c.required else _OPTIONAL_FONT
        ws.cell(row, 3, c.name)
        value = ws.cell(row, 2)
        value.number_format = _SHAPE_FORMAT.get(c.shape, "@")
        dv = _validation(c, lists)
        if dv is not None:
            dv.add(f"B{row}")
            ws.add_data_validation(dv)


def _write_help(ws, t: Template) -> None:
    ws.append([f"{t.title}：填表说明"])
    ws["A1"].font = Font(bold=True, size=14)
    general = [
        "第 1 行是表头，请从第 3 行起逐行填写；隐藏的第 2 行是字段名，导入时据此识别各列，请勿删除或修改。",
        "红色表头为必填列。多个取值用“；”（或英文分号、换行）分隔。日期填成 Excel 日期，或写 2026-04-25。",
        "导入：ssj import 本文件.xlsx --dept 部门编号。有任何错误时不写入任何文件，并按工作表、行号、列名列出错误。",
        "“公开性”说明该列在公示网站上如何出现：公开、遮蔽后公开、不公开，或依法不予公开（显示理由，经批准方可公开）。",
        *t.notes,
    ]
    for line in general:
        ws.append([line])
    ws.append([])
    sheets = [t.main, *t.children.values()] + ([t.info] if t.info else [])
    for sheet in sheets:
        ws.append([f"工作表“{sheet.title}”"])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        ws.append(["列", "表头", "字段名", "必填", "格式", "公开性", "说明"])
        for cell in ws[ws.max_row]:
            cell.font = _OPTIONAL_FONT
            cell.fill = _HEAD_FILL
        for i, c in enumerate(sheet.columns, start=1):
            where = f"第 {i} 行" if sheet is t.info else get_column_letter(i)
            ws.append([where, c.header, c.name, "是" if c.required else "否", format_text(c), c.visibility,
                       c.description])
        ws.append([])
    for letter, width in zip("ABCDEFG", (8, 28, 16, 6, 50, 30, 40)):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def template_bytes(kind: str) -> bytes:
    """The .xlsx template of one annex."""
    t = TEMPLATES[kind]
    wb = Workbook()
    main = wb.active
    main.title = t.main.title
    lists_ws = wb.create_sheet(LISTS_SHEET)
    lists = _Lists(lists_ws)
    _write_table(main, t.main, lists)
    for r, (name, value) in enumerate(t.prefill, start=FIRST_ROW):
        main.cell(r, t.main.columns.index(t.main.column(name)) + 1, value)
    for i, child in enumerate(t.children.values(), start=1):
        _write_table(wb.create_sheet(child.title, i), child, lists)
    if t.info:
        _write_info(wb.create_sheet(t.info.title, 1 + len(t.children)), t.info, lists)
    _write_help(wb.create_sheet(HELP_SHEET, 1 + len(t.children) + bool(t.info)), t)
    meta = wb.create_sheet(META_SHEET)
    meta.append(["ssj-template", t.kind, FORMAT_VERSION])
    lists_ws.sheet_state = meta.sheet_state = "hidden"
    wb.active = 0
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    buf = io.BytesIO()
    ExcelWriter(wb, _FixedTimeZip(buf, "w", zipfile.ZIP_DEFLATED)).save()  # not wb.save(): it stamps the time
    return buf.getvalue()


_FIXED_TIME = dt.datetime(2017, 4, 17)  # the plan's date: a template's bytes depend on nothing but the models


class _FixedTimeZip(zipfile.ZipFile):
    """Zip entries with a fixed time, so the same template is the same bytes."""

    def writestr(self, name, data, compress_type=None, compresslevel=None):
        if isinstance(name, str):
            name = zipfile.ZipInfo(name, date_time=_FIXED_TIME.timetuple()[:6])
            name.compress_type = zipfile.ZIP_DEFLATED
        super().writestr(name, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):  # worksheets: temp files
        self.writestr(arcname or Path(filename).name, Path(filename).read_bytes())


# --- reading a filled template ---------------------------------------------------------------

class CellError(ValueError):
    def __init__(self, zh: str, en: str, fix_zh: str = "", fix_en: str = ""):
        super().__init__(en)
        self.texts = (zh, en, fix_zh, fix_en)


def _number_text(v: int | float) -> str:
    if isinstance(v, float) and not v.is_integer():
        return repr(v)
    if abs(v) >= 10 ** _EXCEL_DIGITS:
        raise CellError(f"数字 {v:.0f} 超过 {_EXCEL_DIGITS} 位，Excel 已丢失精度",
                        f"number {v:.0f} has more than {_EXCEL_DIGITS} digits: Excel has lost precision",
                        "把该列设为文本格式后重新输入（或在前面加英文单引号 '）",
                        "format the column as text and type the value again (or prefix it with ')")
    return str(int(v))


def _scalar(c: Column, v: Any) -> Any:
    """One cell value (or one element of a multi-valued cell) as the model expects it."""
    if isinstance(v, str):
        v = v.strip()
        if c.shape == "bool" and v in ("是", "否"):
            return v == "是"
        if c.shape == "basis":
            m = _BASIS_RE.fullmatch(v)
            if m:
                return {"law": f"《{m['law'].strip()}》", "articles": m["articles"].strip() or None}
            if "《" in v or "》" in v:
                raise CellError(f"抽查依据 “{v}” 格式不对", f"legal basis '{v}' is malformed",
                                "写成《法律法规规章名称》条款，多个依据用“；”分隔",
                                "write 《law》articles, several separated by '；'")
            return {"law": v}
        return v
    if isinstance(v, bool):
        return v
    if isinstance(v, dt.datetime) or isinstance(v, dt.date):
        day = v.date() if isinstance(v, dt.datetime) else v
        if c.shape == "year-month":
            return day.strftime("%Y-%m")
        if c.shape == "date":
            return day
        raise CellError(f"这里应是{format_text(c)}，得到日期 {day.isoformat()}",
                        f"expected {c.shape}, got the date {day.isoformat()}",
                        "把单元格设为文本格式后重新输入", "format the cell as text and type the value again")
    if isinstance(v, (int, float)):
        if c.shape == "int":
            return int(v) if float(v).is_integer() else v
        if c.shape == "date":
            raise CellError(f"这里应是日期，得到数字 {v}", f"a date is expected, got the number {v}",
                            "把单元格设为日期格式，或写 2026-04-25", "format the cell as a date, or write 2026-04-25")
        return _number_text(v)
    return v


def cell_value(c: Column, v: Any) -> Any:
    """A cell as model input; None for an empty cell. Raises CellError for what the model cannot judge."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if not c.many:
        return _scalar(c, v)
    parts = SEPARATORS.split(v) if isinstance(v, str) else [v]
    return [_scalar(c, p) for p in parts if not (isinstance(p, str) and not p.strip())]


@dataclass
class Row:
    sheet: Sheet
    number: int  # Excel row number, as the person sees it
    data: dict[str, Any]


@dataclass
class FilledBook:
    """A filled template, read: its kind, rows by sheet, and the problems found in cells."""

    template: Template
    rows: dict[str, list[Row]]  # sheet title → rows with data
    info: dict[str, Any]
    problems: list[Problem]


def cell_problem(src: str, sheet: Sheet, row: int, col: Column | None, zh: str, en: str, fix_zh: str = "",
                 fix_en: str = "", code: str = "excel.cell") -> Problem:
    """A problem named by sheet, row and column header, as the person sees them in Excel."""
    if col is None:
        where_zh, where_en, column = f"工作表“{sheet.title}”第 {row} 行", f"sheet '{sheet.title}' row {row}", None
    elif sheet.vertical:
        where_zh = f"工作表“{sheet.title}”第 {row} 行“{col.header}”（B 列）"
        where_en, column = f"sheet '{sheet.title}' row {row} '{col.header}' (column B)", 2
    else:
        column = sheet.columns.index(col) + 1 if col in sheet.columns else None
        letter = get_column_letter(column) if column else "?"
        where_zh = f"工作表“{sheet.title}”第 {row} 行“{col.header}”列（{letter} 列）"
        where_en = f"sheet '{sheet.title}' row {row} column '{col.header}' ({letter})"
    return problem(code, f"{where_zh}：{zh}", f"{where_en}: {en}", fix_zh, fix_en, file=src, line=row,
                   column=column, field=col.name if col else None)


def _open(path: Path, src: str):
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        fail("excel.missing", f"找不到文件 {src}", f"file not found: {src}", file=src)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        fail("excel.unreadable", "无法读取 Excel 文件（不是 .xlsx 或文件已损坏）",
             f"cannot read the Excel file (not an .xlsx, or damaged): {e}",
             "用 ssj template 生成的模板填写，并另存为 Excel 工作簿（.xlsx）",
             "fill a template made by ssj template and save it as an Excel workbook (.xlsx)", file=src)


def _wrong_template(src: str, why_zh: str, why_en: str):
    fail("excel.wrong-template", f"不是 ssj 模板，或模板已被改动：{why_zh}",
         f"not an ssj template, or the template was altered: {why_en}",
         "用 ssj template <类别> 重新生成模板，把数据复制进去再导入",
         "make a fresh template with ssj template <kind>, copy the data in, and import again", file=src)


def _values(ws) -> list[tuple]:
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def _read_table(ws, sheet: Sheet, src: str, prefill: dict[int, dict[str, str]]) -> tuple[list[Row], list[Problem]]:
    rows = _values(ws)
    names = [n for n in (rows[1] if len(rows) > 1 else ()) if n is not None]
    expected = [c.name for c in sheet.columns]
    if names != expected:
        _wrong_template(src, f"工作表“{sheet.title}”隐藏的第 2 行字段名与当前版本不符",
                        f"the hidden field-name row 2 of sheet '{sheet.title}' does not match this version")
    out: list[Row] = []
    problems: list[Problem] = []
    for number, values in enumerate(rows[FIRST_ROW - 1:], start=FIRST_ROW):
        values = tuple(values) + (None,) * (len(sheet.columns) - len(values))
        if any(v not in (None, "") and (not isinstance(v, str) or v.strip()) for v in values[len(sheet.columns):]):
            problems.append(cell_problem(src, sheet, number, None, "表格右侧多出了没有表头的内容",
                                         "cells right of the last column", "删除这些单元格", "delete those cells"))
        data: dict[str, Any] = {}
        filled = prefill.get(number, {})
        for c, v in zip(sheet.columns, values):
            try:
                value = cell_value(c, v)
            except CellError as e:
                problems.append(cell_problem(src, sheet, number, c, *e.texts))
                continue
            if value is not None:
                data[c.name] = value
        if {k: v for k, v in data.items() if filled.get(k) != v}:
            out.append(Row(sheet, number, data))
    return out, problems


def _read_info(ws, sheet: Sheet, src: str) -> tuple[dict[str, Any], list[Problem]]:
    rows = _values(ws)
    names = [r[2] if len(r) > 2 else None for r in rows]
    if names[:len(sheet.columns)] != [c.name for c in sheet.columns]:
        _wrong_template(src, f"工作表“{sheet.title}”的字段与当前版本不符",
                        f"the fields of sheet '{sheet.title}' do not match this version")
    data, problems = {}, []
    for number, c in enumerate(sheet.columns, start=1):
        try:
            value = cell_value(c, rows[number - 1][1])
        except CellError as e:
            problems.append(cell_problem(src, sheet, number, c, *e.texts))
            continue
        if value is not None:
            data[c.name] = value
    return data, problems


def read_workbook(path: Path, src: str | None = None) -> FilledBook:
    """Read a filled template; bad cells are problems, a file that is no template raises UserError."""
    src = src or str(path)
    wb = _open(path, src)
    try:
        if META_SHEET not in wb.sheetnames:
            _wrong_template(src, f"缺少隐藏工作表“{META_SHEET}”", f"hidden sheet '{META_SHEET}' is missing")
        meta = (_values(wb[META_SHEET]) or [()])[0]
        if len(meta) < 3 or meta[0] != "ssj-template" or meta[1] not in TEMPLATES:
            _wrong_template(src, "模板标记无效", "bad template marker")
        if meta[2] != FORMAT_VERSION:
            _wrong_template(src, f"模板版本 {meta[2]}，当前版本 {FORMAT_VERSION}",
                            f"template version {meta[2]}, current version {FORMAT_VERSION}")
        t = TEMPLATES[meta[1]]
        for sheet in [t.main, *t.children.values()] + ([t.info] if t.info else []):
            if sheet.title not in wb.sheetnames:
                _wrong_template(src, f"缺少工作表“{sheet.title}”", f"sheet '{sheet.title}' is missing")
        prefill: dict[int, dict[str, str]] = {}
        for r, (name, value) in enumerate(t.prefill, start=FIRST_ROW):
            prefill.setdefault(r, {})[name] = value
        rows, problems = {}, []
        for sheet in [t.main, *t.children.values()]:
            rows[sheet.title], more = _read_table(wb[sheet.title], sheet, src, prefill if sheet is t.main else {})
            problems += more
        info: dict[str, Any] = {}
        if t.info:
            info, more = _read_info(wb[t.info.title], t.info, src)
            problems += more
        return FilledBook(t, rows, info, problems)
    finally:
        wb.close()


# --- rows to records ---------------------------------------------------------------------------

def _validate_row(model: type[BaseModel], row: Row, src: str) -> tuple[BaseModel | None, list[Problem]]:
    try:
        return model.model_validate(row.data), []
    except ValidationError as e:
        out = []
        for p in problems_from(e, model, src):
            name = p.field.split(".")[0].split("[")[0] if p.field else None
            col = next((c for c in row.sheet.columns if c.name == name), None)
            out.append(cell_problem(src, row.sheet, row.number, col, p.zh, p.en, p.fix_zh, p.fix_en, p.code))
        return None, out


def _duplicates(rows: list[tuple[Row, BaseModel]], key: str, src: str) -> list[Problem]:
    seen: dict[str, int] = {}
    out = []
    for row, rec in rows:
        k = getattr(rec, key)
        if k in seen:
            out.append(cell_problem(src, row.sheet, row.number, row.sheet.column(key),
                                    f"编号 “{k}” 与第 {seen[k]} 行重复", f"id '{k}' repeats row {seen[k]}",
                                    "每个编号只能出现一次", "ids must be unique", code="excel.duplicate-id"))
        else:
            seen[k] = row.number
    return out


@dataclass
class Imported:
    template: Template
    records: list[BaseModel]  # main sheet records, in row order
    info: dict[str, Any]
    problems: list[Problem]


def records_of(book: FilledBook, dept: str, src: str) -> Imported:
    """Validate every row with its model; nested sheets (检查表格) are attached to their parent rows."""
    t = book.template
    problems = list(book.problems)
    children: dict[str, dict[str, list[BaseModel]]] = {}
    main_rows = book.rows[t.main.title]
    main_ids = {r.data.get("id") for r in main_rows}
    for fname, sheet in t.children.items():
        for row in book.rows[sheet.title]:
            parent = row.data.pop(sheet.parent_key.name, None)
            if parent not in main_ids or parent is None:
                problems.append(cell_problem(src, sheet, row.number, sheet.parent_key,
                                             f"事项编号 “{parent or ''}” 在“{t.main.title}”中不存在",
                                             f"item id '{parent or ''}' is not in sheet '{t.main.title}'",
                                             "填写“事项编号”列中已有的编号", "use an id of the item sheet"))
                continue
            rec, more = _validate_row(sheet.model, row, src)
            problems += more
            if rec is not None:
                children.setdefault(parent, {}).setdefault(fname, []).append(rec)
    good: list[tuple[Row, BaseModel]] = []
    for row in main_rows:
        for name in t.dept_default:
            row.data.setdefault(name, dept)
        for fname, recs in children.get(row.data.get("id"), {}).items():
            row.data[fname] = recs
        rec, more = _validate_row(t.main.model, row, src)
        problems += more
        if rec is not None:
            good.append((row, rec))
    if "id" in t.main.model.model_fields:
        problems += _duplicates(good, "id", src)
    return Imported(t, [rec for _, rec in good], book.info, problems)


def targets_csv(targets: list[Target]) -> str:
    """A target shard as `load` reads it: field-name header, list cells joined by ';', ISO dates."""
    names = list(Target.model_fields)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(names)
    for t in targets:
        row = []
        for n in names:
            v = getattr(t, n)
            row.append("" if v is None else LIST_SEP.join(v) if isinstance(v, list)
                       else v.isoformat() if isinstance(v, dt.date) else str(v))
        w.writerow(row)
    return buf.getvalue()


def container_of(imp: Imported, dept: str, keep: dict[str, Any], src: str,
                 keep_src: str | None = None) -> tuple[BaseModel | None, list[Problem]]:
    """The YAML file record: main rows, info values, department, and fields kept from the old file."""
    t = imp.template
    data = {**keep, **imp.info, "department": dept, t.list_field: imp.records}
    try:
        return t.container.model_validate(data), []
    except ValidationError as e:
        out = []
        for p in problems_from(e, t.container, src):
            top = p.field.split(".")[0].split("[")[0] if p.field else ""
            if top in keep and keep_src:
                out.append(replace(p, file=keep_src))
            elif t.info and top in {c.name for c in t.info.columns}:
                c = t.info.column(top)
                out.append(cell_problem(src, t.info, t.info.columns.index(c) + 1, c, p.zh, p.en,
                                        p.fix_zh, p.fix_en, p.code))
            elif top == t.list_field:
                if not imp.problems:  # else the rows in error explain why the list is short
                    out.append(cell_problem(src, t.main, FIRST_ROW, None, "表中没有数据行", "the table has no rows",
                                            "至少填写一行", "fill at least one row", "excel.no-rows"))
            else:
                out.append(p)
        return None, out
