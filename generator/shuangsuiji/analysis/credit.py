"""Credit linkage (与信用监管衔接): what a published result means for the target's credit record.

A result generates credit events by rule:
- 列入经营异常名录: a market entity (企业, 农民专业合作社, 个体工商户) found unreachable at its
  registered address, not disclosing what it must, or disclosing false information
  (or whose result says 列入经营异常名录) is listed within 10 working days of the result.
- 列入严重违法失信名单: still on the abnormal list 3 years after listing (no removal is
  recorded in the registry, so the listing is taken as continuing).
- 移送司法机关: a result whose follow-up is criminal referral: decided within 3 days and
  handed over within 24 hours.
Each event has its date (the recorded one, or the statutory due date when the result
does not record it) and its legal basis. Only published results count, so every event
can be recomputed from the public results. The events feed back into the target
directory's private `flags` (`feedback_updates` / `write_flags`), which the draw uses
to apply the department's raised `flagged` ratio.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from shuangsuiji.registry.load import LIST_SEP, Registry
from shuangsuiji.registry.models.base import PUBLISHED_STATUSES
from shuangsuiji.core.workdays import add_working_days
from shuangsuiji.core.yamlio import atomic_write_text

ABNORMAL = "列入经营异常名录"
SERIOUS = "列入严重违法失信名单"
REFERRAL = "移送司法机关"
MARKET_TYPES = ("企业", "农民专业合作社", "个体工商户")

_ABNORMAL_LAW = "《企业信息公示暂行条例》第十七条；《企业经营异常名录管理暂行办法》第四条"
ABNORMAL_GROUNDS = {  # problem kind of the result → ground as the rules word it
    "通过登记的住所（经营场所）无法联系": "通过登记的住所或者经营场所无法联系",
    "未按规定公示应当公示的信息": "未按照规定公示应当公示的企业信息",
    "公示信息隐瞒真实情况弄虚作假": "公示企业信息隐瞒真实情况、弄虚作假",
}
SERIOUS_BASIS = "《企业信息公示暂行条例》第十七条；《市场监督管理严重违法失信名单管理办法》第十三条"
REFERRAL_BASIS = "《行政执法机关移送涉嫌犯罪案件的规定》（国务院令第310号）第三条、第五条"
SERIOUS_AFTER_YEARS = 3
REFERRAL_DAYS = 4  # decided within 3 days, handed over within 24 hours

# Event kind → the flag of the target directory it sets (models.base.CreditFlag).
FLAG_OF = {ABNORMAL: "经营异常名录", SERIOUS: "严重违法失信名单"}


@dataclass(frozen=True)
class CreditEvent:
    target: str
    kind: str
    date: date  # when it happened (recorded) or is due by law (not recorded)
    recorded: bool
    ground: str
    basis: str
    result: str
    task: str
    dept: str

    def as_dict(self) -> dict:
        return {"target": self.target, "kind": self.kind, "date": self.date.isoformat(), "recorded": self.recorded,
                "ground": self.ground, "basis": self.basis, "result": self.result, "task": self.task,
                "department": self.dept}


def _years_later(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def credit_events(reg: Registry, as_of: date) -> list[CreditEvent]:
    """Every credit event of the published results up to `as_of`, sorted by target, date, kind."""
    within = reg.config.abnormal_list_within_working_days
    listed: dict[str, CreditEvent] = {}  # target → earliest abnormal listing
    out: list[CreditEvent] = []
    for task_id, _, r in reg.all_results():
        if r.status not in PUBLISHED_STATUSES:
            continue
        dept = reg.task_dept.get(task_id) or reg.results[task_id].department
        grounds = [ABNORMAL_GROUNDS[p] for p in r.problems if p in ABNORMAL_GROUNDS]
        if ((grounds or ABNORMAL in r.follow_ups) and r.target in reg.targets
                and reg.targets.value(r.target, "type") in MARKET_TYPES):  # a field, not a record: no shard read
            when = r.abnormal_listed_on or add_working_days(r.inspected_on, within)
            ev = CreditEvent(r.target, ABNORMAL, when, r.abnormal_listed_on is not None,
                             "；".join(grounds) or "抽查结果决定列入", _ABNORMAL_LAW, r.id, task_id, dept)
            prev = listed.get(r.target)
            if when <= as_of and (prev is None or when < prev.date):
                listed[r.target] = ev
        if REFERRAL in r.follow_ups:
            when = r.referred_on or r.inspected_on + timedelta(days=REFERRAL_DAYS)
            if when <= as_of:
                out.append(CreditEvent(r.target, REFERRAL, when, r.referred_on is not None, "涉嫌犯罪",
                                       REFERRAL_BASIS, r.id, task_id, dept))
    for ev in listed.values():
        out.append(ev)
        serious_on = _years_later(ev.date, SERIOUS_AFTER_YEARS)
        if serious_on <= as_of:
            out.append(CreditEvent(ev.target, SERIOUS, serious_on, False,
                                   f"列入经营异常名录（{ev.date.isoformat()}）届满{SERIOUS_AFTER_YEARS}年仍未移出",
                                   SERIOUS_BASIS, ev.result, ev.task, ev.dept))
    return sorted(out, key=lambda e: (e.target, e.date, e.kind, e.result))


def derived_flags(events: list[CreditEvent]) -> dict[str, set[str]]:
    flags: dict[str, set[str]] = defaultdict(set)
    for e in events:
        if e.kind in FLAG_OF:
            flags[e.target].add(FLAG_OF[e.kind])
    return flags


@dataclass(frozen=True)
class FlagUpdate:
    target: str
    file: str  # registry-relative CSV shard holding the target's row
    old: tuple[str, ...]
    new: tuple[str, ...]


def feedback_updates(reg: Registry, events: list[CreditEvent]) -> list[FlagUpdate]:
    """Targets whose directory flags lack a flag their credit events give (flags are only added:
    投诉举报多 and flags set by hand are the department's, and removal from a list is not recorded here)."""
    out = []
    for tid, flags in sorted(derived_flags(events).items()):
        t = reg.targets.get(tid)
        origin = reg.origin("target", tid)
        if t is None or origin is None or flags <= set(t.flags):
            continue
        new = tuple(t.flags) + tuple(sorted(flags - set(t.flags)))
        out.append(FlagUpdate(tid, origin.rel, tuple(t.flags), new))
    return out


def write_flags(root: Path, updates: list[FlagUpdate]) -> list[str]:
    """Write the new flags into the CSV shards, atomically per shard; rows not updated keep their bytes.
    Returns the shards written."""
    by_file: dict[str, dict[str, tuple[str, ...]]] = defaultdict(dict)
    for u in updates:
        by_file[u.file][u.target] = u.new
    written = []
    for rel, changes in sorted(by_file.items()):
        path = root / rel
        data = path.read_bytes()
        bom = data.startswith(b"\xef\xbb\xbf")
        text = data.decode("utf-8-sig")  # not read_text: it would turn CRLF into LF
        lines = text.splitlines(keepends=True)
        newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader)
        add_column = "flags" not in header
        id_col = header.index("id")
        flags_col = len(header) if add_column else header.index("flags")
        out: list[str] = [_row(header + ["flags"], newline) if add_column else "".join(lines[:reader.line_num])]
        start = reader.line_num
        for row in reader:
            end = reader.line_num
            raw = "".join(lines[start:end])
            if row and row[id_col] in changes:
                if add_column:
                    row.append("")
                row[flags_col] = LIST_SEP.join(changes[row[id_col]])
                raw = _row(row, newline)
            elif add_column and row:
                raw = _row(row + [""], newline)
            out.append(raw)
            start = end
        atomic_write_text(path, ("\ufeff" if bom else "") + "".join(out))
        written.append(rel)
    return written


def _row(cells: list[str], newline: str) -> str:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator=newline).writerow(cells)
    return buf.getvalue()
