"""Where each kind of file lives in `registries/`, and which record model it holds.

The layout is closed: a file it does not know is reported, not ignored, so a typo
in a file name cannot silently drop a department's data.
"""

from __future__ import annotations

import os

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from shuangsuiji.registry.models.approval import ApprovalsFile
from shuangsuiji.registry.models.config import RegistryConfig
from shuangsuiji.registry.models.department import DepartmentConfig, DepartmentsFile
from shuangsuiji.registry.models.draw import Ceremony, ConflictsFile, EventsFile, SourcesFile
from shuangsuiji.registry.models.inspector import InspectorsFile
from shuangsuiji.registry.models.item import ItemList, MattersFile
from shuangsuiji.registry.models.liaison import LiaisonFile
from shuangsuiji.registry.models.plan import AnnualPlan
from shuangsuiji.registry.models.region import RegionsFile
from shuangsuiji.registry.models.result import ResultsFile
from shuangsuiji.registry.models.target import Target
from shuangsuiji.registry.models.task import Task

_DEPT = r"(?P<dept>[a-z0-9][a-z0-9_-]*)"
_ID = r"(?P<id>[A-Za-z0-9][A-Za-z0-9_-]{0,63})"


@dataclass(frozen=True)
class FileKind:
    name: str  # also the JSON Schema file name: schema/<name>.schema.json
    pattern: re.Pattern
    model: type[BaseModel] | None
    fmt: str  # yaml | csv | json | tsv | md
    title: str  # Chinese name shown in messages
    machine: bool = False  # written by ssj, never by hand


def _k(name, pattern, model, fmt, title, machine=False) -> FileKind:
    return FileKind(name, re.compile(pattern), model, fmt, title, machine)


KINDS: tuple[FileKind, ...] = (
    _k("config", r"config\.yaml", RegistryConfig, "yaml", "全局配置"),
    _k("regions", r"regions\.yaml", RegionsFile, "yaml", "区划"),
    _k("departments", r"departments\.yaml", DepartmentsFile, "yaml", "部门名单"),
    _k("targets", rf"targets/{_ID}\.csv", Target, "csv", "检查对象名录库（公共）"),
    _k("dept-targets", rf"{_DEPT}/targets/{_ID}\.csv", Target, "csv", "检查对象名录库（部门子库）"),
    _k("dept-config", rf"{_DEPT}/config\.yaml", DepartmentConfig, "yaml", "部门配置"),
    _k("items", rf"{_DEPT}/items\.yaml", ItemList, "yaml", "随机抽查事项清单"),
    _k("matters", rf"{_DEPT}/matters\.yaml", MattersFile, "yaml", "检查事项总表"),
    _k("rules", rf"{_DEPT}/rules\.md", None, "md", "实施细则"),
    _k("inspectors", rf"{_DEPT}/inspectors\.yaml", InspectorsFile, "yaml", "执法检查人员名录库"),
    _k("liaison", rf"{_DEPT}/liaison\.yaml", LiaisonFile, "yaml", "工作联络表"),
    _k("approvals", rf"{_DEPT}/approvals\.yaml", ApprovalsFile, "yaml", "公开审批"),
    _k("plan", rf"{_DEPT}/plans/(?P<year>\d{{4}})\.yaml", AnnualPlan, "yaml", "年度抽查计划"),
    _k("task", rf"{_DEPT}/tasks/{_ID}\.yaml", Task, "yaml", "抽查任务"),
    _k("results", rf"{_DEPT}/results/{_ID}\.yaml", ResultsFile, "yaml", "抽查结果"),
    _k("draw-sources", rf"{_DEPT}/draws/{_ID}/sources\.yaml", SourcesFile, "yaml", "随机源取值"),
    _k("draw-events", rf"{_DEPT}/draws/{_ID}/events\.yaml", EventsFile, "yaml", "回避与撤回事件"),
    _k("draw-conflicts", rf"{_DEPT}/draws/{_ID}/conflicts\.yaml", ConflictsFile, "yaml", "回避申报"),
    _k("draw-ceremony", rf"{_DEPT}/draws/{_ID}/ceremony\.yaml", Ceremony, "yaml", "抽取过程记录"),
    _k("draw-manifest", rf"{_DEPT}/draws/{_ID}/manifest\.json", None, "json", "抽取清单（承诺）", True),
    _k("draw-table", rf"{_DEPT}/draws/{_ID}/(?P<table>candidates|inspectors|conflicts)\.tsv", None, "tsv",
       "规范表", True),
    _k("draw-record", rf"{_DEPT}/draws/{_ID}/record\.json", None, "json", "抽取结果记录", True),
    _k("draw-beacon", rf"{_DEPT}/draws/{_ID}/beacon\.json", None, "json", "drand 信标存档", True),
    _k("schema", r"schema/[a-z-]+\.schema\.json", None, "json", "JSON Schema", True),
    _k("readme", r"(?:[a-z0-9_-]+/)?README\.md", None, "md", "说明"),
)

# Files that hold records with a JSON Schema of their own (one per model).
SCHEMA_KINDS = tuple(k for k in KINDS if k.model is not None and k.name != "dept-targets")


@dataclass(frozen=True)
class RegistryFile:
    rel: str  # path relative to the registry root, '/'-separated
    kind: FileKind
    groups: dict[str, str]

    @property
    def dept(self) -> str | None:
        return self.groups.get("dept")


def match(rel: str) -> RegistryFile | None:
    for kind in KINDS:
        m = kind.pattern.fullmatch(rel)
        if m:
            return RegistryFile(rel, kind, {k: v for k, v in m.groupdict().items() if v is not None})
    return None


IGNORED_NAMES = (".DS_Store", "Thumbs.db", ".gitkeep")


def ignored(rel: str) -> bool:
    """Editor and tool state (.git, .ssj-cache, Thumbs.db) is not registry data."""
    parts = rel.split("/")
    return parts[-1] in IGNORED_NAMES or any(part.startswith(".") for part in parts)


def discover(root: Path) -> tuple[list[RegistryFile], list[str]]:
    """All registry files under root, sorted, and the relative paths the layout does not know."""
    known: list[RegistryFile] = []
    unknown: list[str] = []
    rels = []
    for top, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # .git, .ssj-cache: never walked into
        prefix = Path(top).relative_to(root).as_posix()
        rels += [n if prefix == "." else f"{prefix}/{n}" for n in names if os.path.isfile(os.path.join(top, n))]
    for rel in sorted(rels, key=lambda r: r.split("/")):  # as paths sort: part by part
        if ignored(rel):
            continue
        rf = match(rel)
        if rf is None:
            unknown.append(rel)
        else:
            known.append(rf)
    return known, unknown
