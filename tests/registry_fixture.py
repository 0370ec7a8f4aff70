"""A small, valid registry written from scratch, for tests that need full control of the data."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from shuangsuiji.core.codes import make_id_number, make_uscc
from shuangsuiji.registry.schema import write_schemas
from shuangsuiji.core.yamlio import dump_yaml

TARGET_HEADER = ["id", "name", "uscc", "reg_no", "type", "address", "legal_rep", "phone", "id_number", "industry",
                 "region", "status", "registered_by", "established", "credit_class", "flags", "tags", "last_inspected"]


def target_row(i: int, region: str = "371302", kind: str = "1", **over) -> dict:
    uscc = make_uscc(f"9{kind}{region}MA3C{i:05d}")
    row = {"id": uscc, "name": f"临沂市测试商贸有限公司{i}", "uscc": uscc, "reg_no": "",
           "type": "企业" if kind == "1" else "个体工商户", "address": f"临沂市兰山区测试路{i}号",
           "legal_rep": "王小明", "phone": "13800138000", "id_number": make_id_number("37130219800101001"),
           "industry": "5211", "region": region, "status": "存续", "registered_by": "临沂市兰山区市场监督管理局",
           "established": "2015-03-01", "credit_class": "B", "flags": "", "tags": "", "last_inspected": ""}
    row.update(over)
    return row


def write_targets(path: Path, rows: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=TARGET_HEADER, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buf.getvalue(), encoding="utf-8")


def write_yaml(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_yaml(data), encoding="utf-8")


ITEM = {
    "id": "SCJG-01", "seq": 1, "name": "企业公示信息抽查", "category": "一般检查事项",
    "basis": [{"law": "《企业信息公示暂行条例》", "articles": "第十四条"}],
    "objects": "辖区内企业", "target_types": ["企业", "个体工商户"], "content": "企业年度报告公示信息",
    "methods": ["书面检查", "实地检查"], "ratio": "0.05", "frequency": "每年一次", "subject": "临沂市市场监督管理局",
    "level": "市级", "initiator": "scjgj", "partners": [], "publicity": "国家企业信用信息公示系统（山东）",
    "matters": ["M-01"],
    "checklist": [{"no": 1, "check": "是否按时报送年度报告", "method": "书面检查"}],
}


def inspector(i: int, **over) -> dict:
    d = {"id": f"SCJG-{i:04d}", "name": f"执法员{i}", "gender": "男", "birth": "1985-06",
         "id_number": make_id_number(f"37130219850601{i:03d}"), "phone": f"1390539{i:04d}",
         "title": "科员", "unit": "scjgj", "cert_no": f"鲁临{i:06d}", "cert_issuer": "临沂市人民政府",
         "cert_expiry": "2029-12-31", "fields": ["市场监管"], "items": ["SCJG-01"]}
    d.update(over)
    return d


def make_registry(root: Path, n_targets: int = 12) -> Path:
    """Write a valid registry with one department, one item, 4 inspectors and n targets."""
    write_yaml(root / "regions.yaml", {"regions": [
        {"code": "371300", "name": "临沂市", "kind": "市"},
        {"code": "371302", "name": "兰山区", "kind": "市辖区", "parent": "371300"},
        {"code": "371311", "name": "罗庄区", "kind": "市辖区", "parent": "371300"}]})
    write_yaml(root / "departments.yaml", {"departments": [
        {"id": "szbn", "name": "市职能办", "full_name": "临沂市推进政府职能转变领导小组办公室", "level": "市级",
         "region": "371300", "coordinator": True, "owners": ["@linyi/szbn"]},
        {"id": "scjgj", "name": "市场监督管理局", "full_name": "临沂市市场监督管理局", "level": "市级",
         "region": "371300", "owners": ["@linyi/scjgj"]}]})
    write_yaml(root / "scjgj/config.yaml", {"department": "scjgj", "units": [{"id": "scjgj", "name": "临沂市市场监督管理局"}]})
    write_yaml(root / "scjgj/items.yaml", {"department": "scjgj", "review": [
        {"step": "提交", "date": "2017-04-24", "by": "市场监管局"},
        {"step": "市职能办审核", "date": "2017-05-05", "by": "市职能办"},
        {"step": "市政府法制办审查", "date": "2017-05-15", "by": "市政府法制办"},
        {"step": "公布", "date": "2017-05-30", "by": "市场监管局"}], "items": [ITEM]})
    write_yaml(root / "scjgj/matters.yaml", {"department": "scjgj", "matters": [
        {"id": "M-01", "name": "企业公示信息检查", "basis": "《企业信息公示暂行条例》第十四条"}]})
    write_yaml(root / "scjgj/inspectors.yaml", {"department": "scjgj",
                                                "inspectors": [inspector(i) for i in range(1, 5)]})
    write_yaml(root / "scjgj/liaison.yaml", {"department": "scjgj", "lead_office": "信用监管科", "submitted": "2017-04-19",
                                             "people": [{"role": "联络员", "name": "李四", "title": "科员",
                                                         "mobile": "13912345678"}]})
    write_targets(root / "targets/371302.csv", [target_row(i) for i in range(1, n_targets + 1)])
    write_schemas(root)
    return root
