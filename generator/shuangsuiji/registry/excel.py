"""Excel templates of the plan's annexes (附件2–5), and their import into the registry.

Departments keep these tables in Excel; the registry keeps YAML and CSV. The template's
columns are derived from the record models (titles, types, enumerations, visibility),
so a template cannot drift from the schema: row 1 holds the Chinese headers a person
reads, hidden row 2 the field names the importer trusts. Import is all or nothing:
every row is checked with the model and any problem, named by sheet, row and column
header, means nothing is written.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter
from pydantic import AfterValidator, BaseModel, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from shuangsuiji.core.errors import Problem, fail, problem
from shuangsuiji.registry.load import LIST_SEP
from shuangsuiji.registry.models.base import (FORMAT_WORDS, TARGET_ID_PATTERN, USCC, IdNumber, IndustryCode, Ratio,
                                              RegionCode, RegNo, Slug, YearMonth, field_meta)
from shuangsuiji.registry.models.inspector import Inspector, InspectorsFile
from shuangsuiji.registry.models.item import ChecklistRow, Item, ItemList, LegalBasis
from shuangsuiji.registry.models.liaison import Liaison, LiaisonFile
from shuangsuiji.registry.models.target import Target
from shuangsuiji.core.normalize import (DATE_WORDS, LIST_SEPARATORS, BadValue, read_code, read_date, read_ratio,
                                        read_year_month, split_list)
from shuangsuiji.registry.schema_errors import problems_from

FORMAT_VERSION = "1"
META_SHEET = "ssj"  # hidden: marks the file as an ssj template and names its kind
LISTS_SHEET = "lists"  # hidden: the values of every drop-down list
INFO_SHEET = "基本信息"
HELP_SHEET = "填表说明"
FIRST_ROW = 3  # row 1: Chinese headers, row 2 (hidden): field names
MAX_ROW = 1048576
_YEAR_MONTH = TypeAdapter(YearMonth).json_schema()["pattern"]
_RATIO = TypeAdapter(Ratio).json_schema()["pattern"]
# Several legal bases in one cell: "、" also separates the articles of one law, so it splits only before "《".
_BASIS_SEPARATORS = re.compile(r"[；;\n\r]+|[、，,](?=\s*《)")
_UPPER_CODES = (USCC, RegNo, IdNumber)  # codes whose letters are upper case
_CODES = (Slug, RegionCode, IndustryCode)
_CODE_NAMES = ("cert_no", "phone", "mobile", "office_phone")  # numbers people type with full-width digits
_BASIS_RE = re.compile(r"《(?P<law>[^《》]+)》(?P<articles>[^《》]*)")
_EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number


# --- columns, derived from the models ------------------------------------------------------

@dataclass(frozen=True)
class Column:
    name: str  # model field name (hidden row 2)
    header: str  # Chinese header (row 1)
    shape: str  # text | int | date | year-month | bool | basis | ratio | code | upper-code
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
    elif inner.get("pattern") == _RATIO:
        shape = "ratio"
    else:
        shape = _code_shape(model, name, inner)
    pattern = inner.get("pattern") if shape == "text" else None
    return Column(name, header or prop["title"], shape, many, tuple(inner.get("enum", ())), required, pattern,
                  prop.get("description", ""), visibility_label(model, name))


def _code_shape(model: type[BaseModel], name: str, prop: dict) -> str:
    """code / upper-code for identifier fields (typed with full-width characters, read as ASCII), else text."""
    f = model.model_fields[name]
    marks = [*f.metadata, *_annotated_metadata(f.annotation)]
    if any(_check_of(t) in marks for t in _UPPER_CODES) or prop.get("pattern") == TARGET_ID_PATTERN:
        return "upper-code"
    if any(_check_of(t) in marks for t in _CODES) or prop.get("pattern") or name in _CODE_NAMES:
        return "code"
    return "text"


def _check_of(annotated: Any) -> Any:
    """The check (AfterValidator) that tells an identifier type from the others."""
    return next(m for m in get_args(annotated)[1:] if isinstance(m, AfterValidator))


def _annotated_metadata(annotation: Any) -> list[Any]:
    """Metadata of the Annotated types inside an annotation (through Optional and list)."""
    if get_origin(annotation) is Annotated:
        return list(get_args(annotation)[1:])
    return [m for arg in get_args(annotation) for m in _annotated_metadata(arg)]


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
                        "导入时保留原 items.yaml 中的审核审查记录和动态调整记录，并把本次新增、修改、删除的事项"
                        "记入动态调整记录。")),
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
    """What a person may type in the column, in Chinese words with an example (never a regular expression)."""
    if c.choices:
        text = "从下拉列表选择：" + "、".join(c.choices)
    else:
        text = {"text": "文本", "int": "整数", "code": "编号或代码（全角字母、数字会自动转为半角）",
                "upper-code": "代码（全角字符自动转为半角，字母转为大写）",
                "date": "日期：日期格式的单元格，或写 2026-04-05、2026/4/5、2026.4.5、2026年4月5日",
                "year-month": "年月，如 1980-05、1980/5 或 1980年5月（日期格式的单元格只取年月）", "bool": "是 / 否",
                "ratio": "比例：5%、0.05 或 1/20；不带 % 的数大于 1 时按百分数读（5 即 5%），1 即全部",
                "basis": "《法律法规规章名称》条款，如《中华人民共和国食品安全法》第八十七条"}[c.shape]
        if c.pattern in FORMAT_WORDS:
            text += f"：{FORMAT_WORDS[c.pattern][0]}"
    if c.name in _CODE_NAMES:
        text = "号码（全角数字自动转为半角，空格去掉）"
    if c.name == "id" and c.shape == "upper-code":
        text += "；留空时取统一社会信用代码（或注册号）"
    if c.many:
        text += "；可填多个，用“；”“、”“，”或换行分隔" if c.shape != "basis" else "；多个依据用“；”或换行分隔"
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
        "红色表头为必填列。多个取值用“；”“、”“，”或换行分隔。日期填成 Excel 日期，或写 2026-04-05、2026/4/5、"
        "2026年4月5日；比例写 5%、0.05 或 1/20。全角数字和字母会转为半角。每处这样的转换在导入时都会列出。",
        "导出现有数据：ssj template 类别 --dept 部门编号，改好后再导入。",
        "导入：ssj import 本文件.xlsx --dept 部门编号。按编号合并：表中的记录新增或更新，表中没有的记录保留"
        "（加 --replace 才删除）；先列出新增、修改（逐字段）和删除，加 --dry-run 只列出不写入。"
        "有任何错误时不写入任何文件，并按工作表、行号、列名列出错误。",
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


def _cell(c: Column, v: Any) -> Any:
    """A record's value as a person would type it into the column: what the importer reads back as v."""
    if v is None or v == []:
        return None
    if isinstance(v, list):
        return "；".join(str(_cell(replace(c, many=False), x)) for x in v)
    if isinstance(v, LegalBasis):
        return v.law + (v.articles or "")
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, dt.date):
        return dt.datetime.combine(v, dt.time())
    return v


def _write_rows(ws, sheet: Sheet, records: list[dict[str, Any]]) -> None:
    for r, rec in enumerate(records, start=FIRST_ROW):
        for i, c in enumerate(sheet.columns, start=1):
            ws.cell(r, i, _cell(c, rec.get(c.name)))


def template_bytes(kind: str, records: list[BaseModel] | None = None, info: BaseModel | None = None) -> bytes:
    """The .xlsx template of one annex; with `records` (and the file record `info`), filled with them."""
    t = TEMPLATES[kind]
    wb = Workbook()
    main = wb.active
    main.title = t.main.title
    lists_ws = wb.create_sheet(LISTS_SHEET)
    lists = _Lists(lists_ws)
    _write_table(main, t.main, lists)
    if records is None:
        for r, (name, value) in enumerate(t.prefill, start=FIRST_ROW):
            main.cell(r, t.main.columns.index(t.main.column(name)) + 1, value)
    else:
        _write_rows(main, t.main, [dict(rec) for rec in records])
    for i, (fname, child) in enumerate(t.children.items(), start=1):
        ws = wb.create_sheet(child.title, i)
        _write_table(ws, child, lists)
        _write_rows(ws, child, [{child.parent_key.name: rec.id, **dict(row)}
                                for rec in records or () for row in getattr(rec, fname)])
    if t.info:
        ws = wb.create_sheet(t.info.title, 1 + len(t.children))
        _write_info(ws, t.info, lists)
        for row, c in enumerate(t.info.columns, start=1):
            ws.cell(row, 2, _cell(c, getattr(info, c.name, None)))
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

def _number_text(v: int | float) -> str:
    if isinstance(v, float) and not v.is_integer():
        return repr(v)
    if abs(v) >= 10 ** _EXCEL_DIGITS:
        raise BadValue(f"数字 {v:.0f} 超过 {_EXCEL_DIGITS} 位，Excel 已丢失精度",
                        f"number {v:.0f} has more than {_EXCEL_DIGITS} digits: Excel has lost precision",
                        "把该列设为文本格式后重新输入（或在前面加英文单引号 '）",
                        "format the column as text and type the value again (or prefix it with ')")
    return str(int(v))


Note = tuple[str, str]  # a normalisation, said in Chinese and English


def _read_as(c: Column, v: Any, read) -> tuple[Any, list[Note]]:
    """v read by one of the normalize readers, with a note when what is stored differs from what was typed."""
    value = read(v)
    typed = v if isinstance(v, str) else repr(v) if isinstance(v, float) else str(v)
    stored = value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(v, (dt.date, dt.datetime)) or typed.strip() == stored:
        return value, []
    return value, [(f"“{typed.strip()}”按{c.header}读作 {stored}", f"'{typed.strip()}' read as {stored}")]


def _scalar(c: Column, v: Any) -> tuple[Any, list[Note]]:
    """One cell value (or one element of a multi-valued cell) as the model expects it, with notes."""
    if c.shape == "ratio" and not isinstance(v, (dt.date, dt.datetime)):
        return _read_as(c, v, read_ratio)
    if c.shape == "date" and isinstance(v, (str, dt.date)):
        return _read_as(c, v, read_date)
    if c.shape == "date" and isinstance(v, int) and 10_000_000 <= v <= 99_991_231:  # 20260405 typed as a number
        return _read_as(c, str(v), read_date)
    if c.shape == "year-month" and isinstance(v, (str, dt.date)):
        return _read_as(c, v, read_year_month)
    if c.shape in ("code", "upper-code") and isinstance(v, (str, int, float)) and not isinstance(v, bool):
        return _read_as(c, v if isinstance(v, str) else _number_text(v),
                        lambda x: read_code(x, upper=c.shape == "upper-code"))
    if isinstance(v, str):
        v = v.strip()
        if c.shape == "int":
            return _read_as(c, v, lambda x: read_code(x)) if v.isdigit() else (v, [])
        if c.shape == "bool" and v in ("是", "否"):
            return v == "是", []
        if c.shape == "basis":
            m = _BASIS_RE.fullmatch(v)
            if m:
                return {"law": f"《{m['law'].strip()}》", "articles": m["articles"].strip() or None}, []
            if "《" in v or "》" in v:
                raise BadValue(f"抽查依据 “{v}” 格式不对", f"legal basis '{v}' is malformed",
                               "写成《法律法规规章名称》条款，多个依据用“；”分隔",
                               "write 《law》articles, several separated by '；'")
            return {"law": v}, []
        return v, []
    if isinstance(v, bool):
        return v, []
    if isinstance(v, dt.datetime) or isinstance(v, dt.date):
        day = v.date() if isinstance(v, dt.datetime) else v
        raise BadValue(f"这里应是{format_text(c)}，得到日期 {day.isoformat()}",
                       f"expected {c.shape}, got the date {day.isoformat()}",
                       "把单元格设为文本格式后重新输入", "format the cell as text and type the value again")
    if isinstance(v, (int, float)):
        if c.shape == "int":
            return (int(v) if float(v).is_integer() else v), []
        if c.shape == "date":
            raise BadValue(f"这里应是{DATE_WORDS[0]}，得到数字 {v}", f"{DATE_WORDS[1]} is expected, got the number {v}",
                           "把单元格设为日期格式，或写 2026-04-05", "format the cell as a date, or write 2026-04-05")
        return _number_text(v), []
    return v, []


def cell_value(c: Column, v: Any) -> tuple[Any, list[Note]]:
    """A cell as model input (None for an empty cell) and the notes of its normalisation.

    Raises BadValue for what the model cannot judge."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None, []
    if not c.many:
        return _scalar(c, v)
    separators = _BASIS_SEPARATORS if c.shape == "basis" else LIST_SEPARATORS
    parts = split_list(v, separators) if isinstance(v, str) else [v]
    notes: list[Note] = []
    if isinstance(v, str) and len(parts) > 1 and re.search(r"[、，,]", "".join(separators.findall(v))):
        notes.append((f"按“、”“，”分成 {len(parts)} 项：{'；'.join(parts)}",
                      f"split at commas into {len(parts)} entries: {'; '.join(parts)}"))
    values = []
    for p in parts:
        value, more = _scalar(c, p)
        values.append(value)
        notes += more
    return values, notes


@dataclass
class Row:
    sheet: Sheet
    number: int  # Excel row number, as the person sees it
    data: dict[str, Any]
    bad: set[str] = field(default_factory=set)  # fields whose cells could not be read (already reported)


@dataclass
class FilledBook:
    """A filled template, read: its kind, rows by sheet, and the problems found in cells."""

    template: Template
    rows: dict[str, list[Row]]  # sheet title → rows with data
    info: dict[str, Any]
    problems: list[Problem]
    partial: tuple[str, ...] | None = None  # a table holding only these fields (the site's download)


def cell_problem(src: str, sheet: Sheet, row: int, col: Column | None, zh: str, en: str, fix_zh: str = "",
                 fix_en: str = "", code: str = "excel.cell", severity: str = "error") -> Problem:
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
                   column=column, field=col.name if col else None, severity=severity)


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
        filled = prefill.get(number, {})
        row = _read_row(src, sheet, number, zip(sheet.columns, values), problems)
        if row.bad or {k: v for k, v in row.data.items() if filled.get(k) != v}:
            out.append(row)
    return out, problems


def _read_row(src: str, sheet: Sheet, number: int, cells, problems: list[Problem]) -> Row:
    """The cells of one row (column, value) as model input; bad cells and normalisations go to problems."""
    row = Row(sheet, number, {})
    for c, v in cells:
        try:
            value, notes = cell_value(c, v)
        except BadValue as e:
            problems.append(cell_problem(src, sheet, number, c, *e.texts))
            row.bad.add(c.name)
            continue
        problems += [cell_problem(src, sheet, number, c, zh, en, code="excel.normalized", severity="note")
                     for zh, en in notes]
        if value is not None:
            row.data[c.name] = value
    return row


def _read_info(ws, sheet: Sheet, src: str) -> tuple[dict[str, Any], list[Problem]]:
    rows = _values(ws)
    names = [r[2] if len(r) > 2 else None for r in rows]
    if names[:len(sheet.columns)] != [c.name for c in sheet.columns]:
        _wrong_template(src, f"工作表“{sheet.title}”的字段与当前版本不符",
                        f"the fields of sheet '{sheet.title}' do not match this version")
    problems: list[Problem] = []
    data: dict[str, Any] = {}
    for number, c in enumerate(sheet.columns, start=1):
        data.update(_read_row(src, sheet, number, [(c, rows[number - 1][1])], problems).data)
    return data, problems


# The site's item-list download (data/<dept>/items.xlsx) names its columns by the models' titles or by
# its open-data field names; these are the ones that differ from the item fields.
_SITE_ITEM_NAMES = {"item_id": "id", "配合部门": "partners"}
_SITE_ONLY = ("清单公布日期", "published", "部门编号", "department_id")  # list-level, not an item's value


def _site_item_columns(header: tuple) -> dict[int, Column] | None:
    """Positions of the item columns in a header row of the site's download; None if it is not one."""
    sheet = TEMPLATES["items"].main
    known = {**{c.header: c for c in sheet.columns}, **{c.name: c for c in sheet.columns},
             **{Item.model_fields[c.name].title: c for c in sheet.columns},
             **{k: sheet.column(v) for k, v in _SITE_ITEM_NAMES.items()}}
    cols = {i: replace(known[str(h).strip()], header=str(h).strip()) for i, h in enumerate(header)
            if h is not None and str(h).strip() in known}
    return cols if any(c.name == "id" for c in cols.values()) and len(cols) >= 3 else None


def _read_site_items(wb, src: str) -> FilledBook:
    """The site's download of an item list: its columns update the items it holds (see merge.complete_partial)."""
    t = TEMPLATES["items"]
    rows = _values(wb.worksheets[0])
    at = next(((n, cols) for n, r in enumerate(rows[:3]) if (cols := _site_item_columns(r))), None)
    if at is None:
        _wrong_template(src, f"缺少隐藏工作表“{META_SHEET}”，也不是网站下载的事项清单（第 1 行应有“事项编号”等列名）",
                        f"hidden sheet '{META_SHEET}' is missing, and it is not the site's item-list download "
                        "(row 1 should name columns such as 事项编号)")
    head, cols = at
    data_from = head + 1
    while data_from < len(rows) and _site_item_columns(rows[data_from]):  # a second header row of field names
        data_from += 1
    unknown = [str(h) for i, h in enumerate(rows[head]) if h is not None and i not in cols and str(h) not in _SITE_ONLY]
    problems: list[Problem] = []
    if unknown:
        problems.append(cell_problem(src, t.main, head + 1, None, f"不认识的列 {'、'.join(unknown)}，已忽略",
                                     f"unknown columns {', '.join(unknown)} are ignored", severity="note",
                                     code="excel.unknown-column"))
    # The download's own column order, so that messages name the letters the person sees.
    sheet = replace(t.main, title=wb.worksheets[0].title, columns=tuple(
        cols.get(i) or Column(f"_{i}", str(h), "text", False, (), False, None, "", "")
        for i, h in enumerate(rows[head])))
    out = []
    for number, values in enumerate(rows[data_from:], start=data_from + 1):
        row = _read_row(src, sheet, number, [(c, values[i] if i < len(values) else None) for i, c in cols.items()],
                        problems)
        if row.data or row.bad:
            out.append(row)
    return FilledBook(t, {t.main.title: out, **{c.title: [] for c in t.children.values()}}, {}, problems,
                      partial=tuple(c.name for c in cols.values()))


def read_workbook(path: Path, src: str | None = None) -> FilledBook:
    """Read a filled template; bad cells are problems, a file that is no template raises UserError."""
    src = src or str(path)
    wb = _open(path, src)
    try:
        if META_SHEET not in wb.sheetnames:
            return _read_site_items(wb, src)
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
            if name in row.bad:
                continue  # its cell was reported unreadable
            col = next((c for c in row.sheet.columns if c.name == name), None)
            out.append(cell_problem(src, row.sheet, row.number, col, p.zh, p.en, p.fix_zh, p.fix_en, p.code))
        if all(err["loc"] for err in e.errors()):  # else the checks across fields have run
            failed = row.bad | {str(err["loc"][0]) for err in e.errors()}
            out += [cell_problem(src, row.sheet, row.number, None, *texts, code="excel.record")
                    for texts in _record_checks(model, row.data, failed)]
        return None, out


def _record_checks(model: type[BaseModel], data: dict[str, Any], failed: set[str]) -> list[tuple[str, ...]]:
    """The model's checks across fields, run on the fields that are valid, when others are not.

    Pydantic runs them only once every field is valid, so a person would fix the fields and then
    meet these; here they come in the same report. A check that needs a failed field is skipped."""
    checks = [d.func for d in model.__pydantic_decorators__.model_validators.values() if d.info.mode == "after"]
    record = model.model_construct(**{k: v for k, v in data.items() if k not in failed})
    for name in failed:
        record.__dict__.pop(name, None)  # reading it raises AttributeError: the check is skipped
    out = []
    for check in checks:
        try:
            check(record)
        except PydanticCustomError as e:
            ctx = e.context or {}
            out.append((ctx.get("zh", e.message()), ctx.get("en", e.message()), ctx.get("fix_zh", ""),
                        ctx.get("fix_en", "")))
        except ValueError as e:
            zh, _, en = str(e).partition(" / ")
            out.append((zh, en or zh))
        except (AttributeError, TypeError):
            continue  # it reads a field that failed
    return out


def _target_codes(row: Row, src: str) -> list[Problem]:
    """A code typed once: an empty 对象编号 is the USCC (or 注册号), an empty USCC / 注册号 is the 对象编号."""
    data, notes = row.data, []
    code = data.get("uscc") or data.get("reg_no")
    if "id" not in data and "id" not in row.bad and code:
        data["id"] = code
        notes.append(("id", f"对象编号留空，取 {code}", f"empty id: set to {code}"))
    elif "id" in data and "uscc" not in data and "reg_no" not in data and not row.bad & {"uscc", "reg_no"}:
        name = "uscc" if len(data["id"]) == 18 else "reg_no"
        data[name] = data["id"]
        notes.append((name, f"按对象编号填为 {data['id']}", f"set from the id: {data['id']}"))
    return [cell_problem(src, row.sheet, row.number, row.sheet.column(name), zh, en, code="excel.normalized",
                         severity="note") for name, zh, en in notes]


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
                                             f"填写“{t.main.title}”中已有的事项编号；删去了该事项的，"
                                             "把它在本表的行也删去",
                                             "use an item id of the item sheet; if you deleted that item, delete "
                                             "its rows here too"))
                continue
            rec, more = _validate_row(sheet.model, row, src)
            problems += more
            if rec is not None:
                children.setdefault(parent, {}).setdefault(fname, []).append(rec)
    good: list[tuple[Row, BaseModel]] = []
    for row in main_rows:
        for name in t.dept_default:
            row.data.setdefault(name, dept)
        if t.main.model is Target:
            problems += _target_codes(row, src)
        for fname, recs in children.get(row.data.get("id"), {}).items():
            row.data[fname] = recs
        rec, more = _validate_row(t.main.model, row, src)
        problems += more
        if rec is not None:
            good.append((row, rec))
    if "id" in t.main.model.model_fields:
        problems += _duplicates(good, "id", src)
    return Imported(t, [rec for _, rec in good], book.info, problems)


def target_row(t: Target) -> list[str]:
    """A target as a row of a CSV shard, as `load` reads it: list cells joined by ';', ISO dates."""
    row = []
    for n in Target.model_fields:
        v = getattr(t, n)
        row.append("" if v is None else LIST_SEP.join(v) if isinstance(v, list)
                   else v.isoformat() if isinstance(v, dt.date) else str(v))
    return row


def container_of(imp: Imported, data: dict[str, Any], src: str, rel: str) -> tuple[BaseModel | None, list[Problem]]:
    """The YAML file record from its merged data; problems of the sheet's values name their cells."""
    t = imp.template
    try:
        return t.container.model_validate(data), []
    except ValidationError as e:
        out = []
        for p in problems_from(e, t.container, rel):
            top = p.field.split(".")[0].split("[")[0] if p.field else ""
            if top == t.list_field:
                if not any(x.severity == "error" for x in imp.problems):  # else the rows in error explain it
                    out.append(cell_problem(src, t.main, FIRST_ROW, None, "表中没有数据行", "the table has no rows",
                                            "至少填写一行", "fill at least one row", "excel.no-rows"))
            elif t.info and top in {c.name for c in t.info.columns}:
                c = t.info.column(top)
                out.append(cell_problem(src, t.info, t.info.columns.index(c) + 1, c, p.zh, p.en,
                                        p.fix_zh, p.fix_en, p.code))
            else:
                out.append(p)
        return None, out
