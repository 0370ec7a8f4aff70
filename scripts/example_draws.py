"""Real draws for the example registry, made with the real commands (issue 3, "Example data").

    python scripts/example_draws.py [--registry registries]

Writes four showcase tasks — one per seed source kind, a joint task, several recusals, a
declared conflict, a random inspection date — and the routine tasks of a year's work
(`ROUTINE`: ten more departments, city and county, 2025 and 2026, drawn with dice), then for
each: freeze, source values, ceremony, run, recusals, and finally the results of the drawn
targets (`ssj synth results`). Deterministic: run it on the committed registry without draws and the same
files come out. Refuses (exit 2) when a task is already frozen, as `ssj draw freeze` does.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shuangsuiji.cli import main as ssj
from shuangsuiji.synth.example import write_record
from shuangsuiji.registry.models.draw import Ceremony, ConflictsFile, SourcesFile
from shuangsuiji.registry.models.task import Task

# drand quicknet round 657413 (spec draw.md): produced 2023-09-15T11:00:03Z.
SIG_657413 = ("b713718a38ae728dfd477991af2822e08d2f305e47718cef9f7848ce4050e7be"
              "41076862b98fad56e91a6b85b89cd97b")
WITNESSES = [{"name": "王建国", "role": "人大代表"}, {"name": "刘芳", "role": "政协委员"},
             {"name": "赵敏", "role": "纪检监察"}]

TASKS = [
    # (department, task, sources.yaml entries or None for drand, ceremony time, recusals [(n-th target, slot, reason, date)])
    ("scjgj", {
        "id": "SCJGJ-2023-009", "department": "scjgj", "year": 2023, "seq": 9,
        "title": "2023年兰山区食品经营者专项抽查（drand 公共随机信标）", "items": ["SCJGJ-02"],
        "scope": {"regions": ["371302"]}, "period": {"start": "2023-09-18", "end": "2023-11-30"},
        "published": "2023-09-13",
        "seed_sources": [{"kind": "drand-quicknet", "round": 657413}],
        "note": "随机种子取自 drand quicknet 第 657413 轮（2023-09-15 19:00:03 北京时间产生），任务公告于 2023-09-13。",
    }, None, "2023-09-15T19:30:00+08:00", [(0, 1, "其他关系可能影响公正", "2023-09-18")]),
    ("scjgj", {
        "id": "SCJGJ-2026-001", "department": "scjgj", "year": 2026, "seq": 1,
        "title": "2026年罗庄区、河东区食品经营者抽查", "items": ["SCJGJ-02"],
        "scope": {"regions": ["371311", "371312"]}, "period": {"start": "2026-03-16", "end": "2026-05-29"},
        "random_date": True, "published": "2026-03-02",
        "seed_sources": [{"kind": "dice", "date": "2026-03-05", "place": "临沂市政务服务中心三楼会议室"},
                         {"kind": "lottery", "lottery": "中国福利彩票双色球", "draw_id": "2026025", "date": "2026-03-05"}],
    }, [{"kind": "dice", "value": "40215736918204457316", "witnesses": ["王建国（市人大代表）", "刘芳（市政协委员）"]},
        {"kind": "lottery", "value": "2026025:03.11.17.22.28.31.09"}],
     "2026-03-06T09:30:00+08:00",
     [(0, 0, "当事人或其近亲属", "2026-03-09"), (3, 1, "与案件有直接利害关系", "2026-03-10"),
      (0, 0, "客观原因无法参加", "2026-03-12")]),
    ("scjg-371311", {
        "id": "SCJG-371311-2026-001", "department": "scjg-371311", "year": 2026, "seq": 1,
        "title": "2026年罗庄区企业公示信息抽查", "items": ["SCJG-371311-02"],
        "scope": {"regions": ["371311"]}, "period": {"start": "2026-03-23", "end": "2026-05-15"},
        "published": "2026-03-09",
        "seed_sources": [{"kind": "dice", "date": "2026-03-12", "place": "罗庄区市场监督管理局会议室"}],
    }, [{"kind": "dice", "value": "8264051937", "witnesses": ["孙立（社会第三方）"]}],
     "2026-03-12T10:15:00+08:00", [(1, 1, "其他关系可能影响公正", "2026-03-20")]),
    ("swj", {
        "id": "SWJ-2026-001", "department": "swj", "year": 2026, "seq": 1,
        "title": "2026年单用途商业预付卡发卡企业联合抽查（商务局牵头、市场监管局配合）", "items": ["SWJ-01"],
        "scope": {"regions": ["371302", "371311"], "industries": ["52"]},
        "partners": [{"department": "scjgj", "items": ["SCJGJ-03"], "slots": 1}],
        "period": {"start": "2026-04-13", "end": "2026-06-30"}, "published": "2026-04-01",
        "seed_sources": [{"kind": "lottery", "lottery": "体育彩票超级大乐透", "draw_id": "2026036", "date": "2026-04-04"}],
    }, [{"kind": "lottery", "value": "2026036:05.12.19.27.33.02.10"}], "2026-04-07T09:00:00+08:00",
     [(0, 2, "当事人代理人的近亲属", "2026-04-10")]),
]


def routine(dept: str, year: int, title: str, items: list[str], regions: list[str], start: str, end: str,
            published: str, drawn: str, dice: str, place: str, industries: list[str] | None = None) -> tuple:
    """A routine dice-drawn task: published, drawn three days later at 09:30, no recusal."""
    tid = f"{dept.upper()}-{year}-001"
    task = {"id": tid, "department": dept, "year": year, "seq": 1, "title": title, "items": items,
            "scope": {"regions": regions, **({"industries": industries} if industries else {})},
            "period": {"start": start, "end": end}, "published": published,
            "seed_sources": [{"kind": "dice", "date": drawn, "place": place}]}
    return (dept, task, [{"kind": "dice", "value": dice, "witnesses": ["王建国（市人大代表）"]}],
            f"{drawn}T09:30:00+08:00", [])


# Appended after the showcase tasks, so their draws stay as they were.
ROUTINE = [
    routine("rsj", 2025, "2025年兰山区用人单位劳动保障守法情况抽查", ["RSJ-01"], ["371302"], "2025-04-14", "2025-06-13",
            "2025-04-01", "2025-04-07", "5820461937", "临沂市人力资源和社会保障局会议室", ["C"]),
    routine("jtj", 2025, "2025年河东区机动车维修经营者抽查", ["JTJ-02"], ["371312"], "2025-05-12", "2025-07-11",
            "2025-04-28", "2025-05-06", "7391045826", "临沂市交通运输局会议室"),
    routine("wjw", 2025, "2025年罗庄区公共场所卫生抽查", ["WJW-02"], ["371311"], "2025-06-09", "2025-08-08",
            "2025-05-26", "2025-06-03", "2604918375", "临沂市卫生健康委员会会议室", ["H", "O"]),
    routine("scjg-371302", 2025, "2025年兰山区企业公示信息抽查", ["SCJG-371302-01"], ["371302"], "2025-07-07",
            "2025-09-30", "2025-06-23", "2025-06-30", "9148203765", "兰山区市场监督管理局会议室", ["F"]),
    routine("scjg-371325", 2025, "2025年费县食品经营者监督检查", ["SCJG-371325-02"], ["371325"], "2025-09-01",
            "2025-10-31", "2025-08-18", "2025-08-25", "3057291846", "费县市场监督管理局会议室"),
    routine("zjj", 2026, "2026年兰山区、河东区物业服务企业抽查", ["ZJJ-03"], ["371302", "371312"], "2026-03-23",
            "2026-05-22", "2026-03-09", "2026-03-16", "6284013957", "临沂市住房和城乡建设局会议室", ["K"]),
    routine("nyj", 2026, "2026年沂南县农药经营单位抽查", ["NYJ-01"], ["371321"], "2026-04-07", "2026-06-05",
            "2026-03-23", "2026-03-30", "1975306284", "临沂市农业农村局会议室"),
    routine("hbj", 2026, "2026年罗庄区排污单位环境监管抽查", ["HBJ-01"], ["371311"], "2026-04-20", "2026-06-19",
            "2026-04-03", "2026-04-10", "8402617395", "临沂市生态环境局会议室", ["C"]),
    routine("scjg-371321", 2026, "2026年沂南县食品经营者监督检查", ["SCJG-371321-02"], ["371321"], "2026-05-11",
            "2026-07-10", "2026-04-27", "2026-05-06", "4719530862", "沂南县市场监督管理局会议室"),
    routine("wjj", 2026, "2026年郯城县经营者明码标价检查", ["WJJ-01"], ["371322"], "2026-06-01", "2026-07-31",
            "2026-05-18", "2026-05-25", "5093847261", "临沂市价格监督检查局会议室", ["F"]),
    routine("ajj", 2026, "2026年兰陵县工贸企业安全生产检查", ["AJJ-01"], ["371324"], "2026-07-13", "2026-09-11",
            "2026-06-29", "2026-07-06", "2863095174", "临沂市应急管理局会议室", ["C"]),
]
TASKS += ROUTINE

# Conflicts declared before freezing (回避申报): (task, inspector, n-th candidate of the task's scope, reason).
CONFLICTS = {"SCJGJ-2026-001": [("SCJGJ-0003", "371311", "当事人或其近亲属")]}


def call(*args: str) -> None:
    code = ssj(list(args))
    if code:
        raise SystemExit(code)


def draw_dir(root: Path, dept: str, task: str) -> Path:
    return root / dept / "draws" / task


def first_target(root: Path, region: str) -> str:
    """A stable target of a region for a declared conflict: the first active one by id."""
    from shuangsuiji.registry.load import load_registry

    reg, _ = load_registry(root)
    return min(t.id for t in reg.targets.values() if t.region == region and t.status == "存续"
               and t.type in ("企业", "个体工商户") and t.credit_class != "A")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registry", default="registries")
    args = ap.parse_args(argv)
    root = Path(args.registry)
    r = str(root)
    for dept, task, _, _, _ in TASKS:
        write_record(root, f"{dept}/tasks/{task['id']}.yaml", Task.model_validate(task))
    for tid, rows in CONFLICTS.items():
        dept = next(d for d, t, *_ in TASKS if t["id"] == tid)
        conflicts = [{"inspector": i, "target": first_target(root, region), "reason": why, "declared_by": i,
                      "date": next(t["published"] for _, t, *_ in TASKS if t["id"] == tid)} for i, region, why in rows]
        write_record(root, f"{dept}/draws/{tid}/conflicts.yaml", ConflictsFile.model_validate(
            {"task": tid, "conflicts": conflicts}))
    for dept, task, sources, ran_at, recusals in TASKS:
        tid = task["id"]
        call("draw", "freeze", tid, "--registry", r)
        if sources is None:
            call("draw", "beacon", tid, "--signature", SIG_657413, "--registry", r)
        else:
            write_record(root, f"{dept}/draws/{tid}/sources.yaml", SourcesFile.model_validate(
                {"task": tid, "sources": sources}))
        write_record(root, f"{dept}/draws/{tid}/ceremony.yaml", Ceremony.model_validate(
            {"ran_by": f"{dept} 信用监管科", "ran_at": ran_at, "witnesses": WITNESSES[: 1 + len(tid) % 3]}))
        call("draw", "run", tid, "--registry", r)
        for n, slot, reason, day in recusals:
            record = json.loads((draw_dir(root, dept, tid) / "record.json").read_text("utf-8"))
            target = record["order"][n]
            call("draw", "recuse", tid, target, record["assignments"][target][slot], "--reason", reason,
                 "--date", day, "--by", "本人申请，科室负责人批准", "--registry", r)
    call("synth", "results", "--registry", r, *[a for _, t, *_ in TASKS for a in ("--task", t["id"])])
    return 0


if __name__ == "__main__":
    sys.exit(main())
