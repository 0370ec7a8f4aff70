"""A small registry written to disk for the analysis tests (stats, warning, credit, progress, duplicates).

Real files in the real layout, loaded by the real loader: the tests then recount every
figure from these YAML files with yaml.safe_load, independently of the modules tested.
"""

from __future__ import annotations

import csv
import json
import random
from datetime import date, timedelta
from pathlib import Path

import yaml

from shuangsuiji.core.codes import make_uscc

REGIONS = [("371302", "兰山区", "市辖区"), ("371311", "罗庄区", "市辖区"), ("371321", "沂南县", "县")]
INDUSTRIES = ["1311", "C", "5211", "62", "7211"]
TYPES = ["企业", "个体工商户", "农民专业合作社"]
OUTCOME_MIX = [["未发现问题"]] * 5 + [["发现问题已责令改正"], ["发现问题待后续处理"], ["未发现开展本次抽查涉及的经营活动"],
                                     ["不配合检查情节严重"]]
TARGET_COLUMNS = ["id", "uscc", "name", "type", "address", "legal_rep", "industry", "region", "status", "registered_by",
                  "credit_class", "flags"]


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data):  # the registry refuses anchors and aliases
        return True


def _dump(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False), encoding="utf-8")


def uscc(i: int, region: str = "371302") -> str:
    return make_uscc(f"91{region}MA{i:07d}")


def make_registry(root: Path, seed: int = 7, n_targets: int = 120) -> Path:
    """Write the fixture registry under root and return root."""
    rnd = random.Random(seed)
    _dump(root / "config.yaml", {"deadlines": [{"key": "2024-plan", "what": "报备2024年度抽查计划", "due": "2024-03-31"}]})
    _dump(root / "regions.yaml", {"regions": [{"code": "371300", "name": "临沂市", "kind": "市"}] + [
        {"code": c, "name": n, "kind": k, "parent": "371300"} for c, n, k in REGIONS]})
    _dump(root / "departments.yaml", {"departments": [
        {"id": "scjgj", "name": "工商局", "full_name": "临沂市工商行政管理局", "level": "市级", "region": "371300",
         "annex1": True},
        {"id": "hbj", "name": "环保局", "full_name": "临沂市环境保护局", "level": "市级", "region": "371300",
         "annex1": True},
        {"id": "tjj", "name": "统计局", "full_name": "临沂市统计局", "level": "市级", "region": "371300", "annex1": True},
        {"id": "znb", "name": "市职能办", "full_name": "临沂市推进政府职能转变领导小组办公室", "level": "市级",
         "region": "371300", "coordinator": True},
        {"id": "yn-scj", "name": "沂南县市场监管局", "full_name": "沂南县市场监督管理局", "level": "县级",
         "region": "371321"},
    ]})
    targets = []
    for i in range(n_targets):
        region = REGIONS[i % 3][0]
        code = uscc(i, region)
        targets.append({"id": code, "uscc": code, "name": f"临沂测试{i}号商贸有限公司", "type": TYPES[i % 3],
                        "address": f"临沂市测试路{i}号", "legal_rep": "王小明", "industry": INDUSTRIES[i % 5],
                        "region": region, "status": "存续", "registered_by": "临沂市工商行政管理局",
                        "credit_class": "ABCD"[rnd.randrange(4)], "flags": ""})
    (root / "targets").mkdir(parents=True, exist_ok=True)
    with open(root / "targets" / "0000.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, TARGET_COLUMNS)
        w.writeheader()
        w.writerows(targets)
    ids = [t["id"] for t in targets]

    for dept, unit, items in (("scjgj", "scjgj-1", ["SC-1", "SC-2"]), ("hbj", "hbj-1", ["HB-1"])):
        d = root / dept
        _dump(d / "config.yaml", {"department": dept, "units": [{"id": unit, "name": f"{dept}执法支队"}],
                                  "rules_published": "2017-05-20"})
        _dump(d / "items.yaml", {"department": dept, "review": [
            {"step": "提交", "date": "2017-04-24", "by": dept}, {"step": "市职能办审核", "date": "2017-05-10", "by": "市职能办"},
            {"step": "市政府法制办审查", "date": "2017-05-20", "by": "法制办"},
            {"step": "公布", "date": "2017-05-28" if dept == "scjgj" else "2017-06-05", "by": dept}],
            "items": [{"id": it, "seq": n + 1, "name": f"{dept}事项{n + 1}", "category": "一般检查事项",
                       "basis": [{"law": "《企业信息公示暂行条例》", "articles": "第十四条"}], "objects": "企业",
                       "target_types": TYPES, "content": "检查内容", "methods": ["实地检查"], "frequency": "每年一次",
                       "subject": dept, "level": "市级", "initiator": dept, "publicity": "网站公示",
                       "matters": [f"{it}-M"]} for n, it in enumerate(items)]})
        _dump(d / "matters.yaml", {"department": dept, "matters": [
            {"id": f"{it}-M", "name": "事项", "basis": "条例"} for it in items] + (
            [{"id": "HB-X", "name": "未纳入事项", "basis": "条例", "random": False, "reason": "专项"}] if dept == "hbj" else [])})
        (d / "rules.md").write_text("# 实施细则\n", encoding="utf-8")
        inspectors = [{"id": f"{dept}-i{k}", "name": f"检查员{k}", "gender": "男", "birth": "1980-01",
                       "title": "科员", "unit": unit, "cert_no": f"37{k:06d}", "cert_issuer": "临沂市人民政府",
                       "cert_expiry": "2030-12-31", "fields": ["市场监管"]} for k in range(6)]
        _dump(d / "inspectors.yaml", {"department": dept, "inspectors": inspectors})
        if dept == "scjgj":
            _dump(d / "liaison.yaml", {"department": dept, "lead_office": "法规科", "submitted": "2017-04-19",
                                       "people": [{"role": "联络员", "name": "李四", "title": "科员"}]})
        _dump(d / "plans" / "2024.yaml", {"id": f"{dept}-plan-2024", "department": dept, "year": 2024, "seq": 1,
                                          "title": "2024年度抽查计划", "filed": "2024-03-20",
                                          "tasks": [{"title": "抽查", "items": items, "start": "2024-04-01",
                                                     "end": "2024-12-31"}]})
        for tn, (year, start) in enumerate(((2023, date(2023, 5, 8)), (2024, date(2024, 5, 6)))):
            task_id = f"{dept}-{year}-{tn + 1}"
            task = {"id": task_id, "department": dept, "year": year, "seq": tn + 1, "title": f"{year}年抽查",
                    "items": items, "period": {"start": str(start), "end": str(start + timedelta(days=60))},
                    "published": str(start - timedelta(days=7)), "seed_sources": [{"kind": "dice",
                                                                                 "date": str(start), "place": "市行政服务中心"}]}
            if dept == "scjgj" and year == 2024:
                task["partners"] = [{"department": "hbj", "items": ["HB-1"]}]
            _dump(d / "tasks" / f"{task_id}.yaml", task)
            cands = sorted(rnd.sample(ids, 60))
            drawn = sorted(rnd.sample(cands, 24))
            ddir = d / "draws" / task_id
            ddir.mkdir(parents=True, exist_ok=True)
            (ddir / "candidates.tsv").write_bytes("".join(f"{t}\t{t[2:8]}|X\n" for t in cands).encode())
            # the shape `ssj draw run` writes: the selected targets are the keys of the assignments
            (ddir / "record.json").write_text(json.dumps({"assignments": {t: [] for t in drawn}}))
            results = []
            for k, t in enumerate(drawn[:20]):
                inspected = start + timedelta(days=rnd.randrange(50))
                outcome = rnd.choice(OUTCOME_MIX)
                r = {"id": f"{task_id}-r{k}", "target": t, "items": items[: 1 + k % len(items)],
                     "inspectors": [f"{dept}-i{k % 6}", f"{dept}-i{(k + 1) % 6}"], "inspected_on": str(inspected),
                     "outcome": outcome, "remarks": None, "status": ["已公示", "已公示", "已公示", "更正", "待审核"][k % 5]}
                if outcome == ["发现问题待后续处理"]:
                    r["problems"] = [rnd.choice(["通过登记的住所（经营场所）无法联系", "未按规定公示应当公示的信息",
                                                 "违反其他部门相关规定"])]
                    r["follow_ups"] = (["列入经营异常名录"] if r["problems"][0] != "违反其他部门相关规定"
                                       else [rnd.choice(["抄告相关部门", "移送司法机关"])])
                elif outcome == ["发现问题已责令改正"]:
                    r["follow_ups"] = ["责令改正并跟踪"]
                if r["status"] != "待审核":
                    r["published_on"] = str(inspected + timedelta(days=rnd.choice([5, 20, 40])))
                results.append(r)
            _dump(d / "results" / f"{task_id}.yaml", {"department": dept, "task": task_id, "results": results})
    return root
