"""A registry with a canary value planted in every private, masked and withheld field and in
free text, for the privacy tests: after redaction and after a build, none may be found."""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path

import yaml

import shuangsuiji.registry.models
from registry_fixture import make_registry, target_row, write_targets, write_yaml
from shuangsuiji.core.codes import luhn_ok, make_id_number
from shuangsuiji.cli import main
from shuangsuiji.registry.models.base import Record, Visibility, visibility_of


def _card(prefix: str) -> str:
    return next(prefix + str(d) for d in range(10) if luhn_ok(prefix + str(d)))


SOLE = target_row(1, kind="2")["id"]  # 个体工商户
FIRM = target_row(2)["id"]
OTHER = target_row(3)["id"]

# kind → canary value; every one of them must stay out of every output.
CANARY = {
    "sole.address": "临沂市兰山区金雀巷七十七号",
    "sole.phone": "13705391234",
    "sole.id_number": make_id_number("37130219790303123"),
    "firm.legal_rep": "钱雀翎",
    "firm.phone": "13605398765",
    "firm.id_number": make_id_number("37130219810404456"),
    "remark.person": "孙雀语",
    "remark.mobile": "13512340987",
    "remark.id_number": make_id_number("37132419900505789"),
    "remark.card": _card("622202020011223"),
    "remark.email": "quelu.canary@example.com",
    "remark.landline": "0539-7654321",
    "details.secret": "配方金雀九号比例",
    "first.remarks": "首次内容金雀原文",
    "withdrawn.remarks": "撤回前内容金雀撤销",
    "draft.remarks": "草稿内容金雀草稿",
    "event.note": "内部说明金雀备忘",
    "liaison.office_phone": "0539-8765432",
    "liaison.mobile": "13912345678",
    "owners": "@linyi/canary-owner",
    "conflict.by": "冯雀申报人",
}
SOLE_NAME = "赵雀鸣"  # the 个体工商户 is named after its operator: the name is public, the rest is not
RELEASED = "已批准公开的详情金雀放行"  # details an approval releases: must be published


def edit_yaml(path: Path, change) -> None:
    """Change a registry YAML file in place: `change` gets its data, every scalar a string as written."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CBaseLoader)
    change(data)
    write_yaml(path, data)


def _ssj(*args) -> None:
    code = main([str(a) for a in args])
    assert code == 0, args


def model_fields(keep) -> set[tuple[str, str]]:
    """(model, field) of every field of every record model for which `keep(model, name)` holds."""
    out = set()
    for m in pkgutil.iter_modules(shuangsuiji.registry.models.__path__):
        mod = importlib.import_module(f"shuangsuiji.registry.models.{m.name}")
        for obj in vars(mod).values():
            if isinstance(obj, type) and issubclass(obj, Record) and obj is not Record:
                out.update((obj.__name__, name) for name in obj.model_fields if keep(obj, name))
    return out


def non_public_fields() -> set[tuple[str, str]]:
    """(model, field) of every private, masked or withheld field of every record model."""
    return model_fields(lambda model, name: visibility_of(model, name) is not Visibility.PUBLIC)


def make_canary_registry(root: Path, blocking_text: bool = True) -> Path:
    """`blocking_text=False` leaves out the ID and bank card numbers from remarks: `ssj validate`
    reports those as errors, and `ssj build` refuses a registry with errors."""
    make_registry(root, n_targets=3)
    rows = [target_row(1, kind="2", name=SOLE_NAME, legal_rep=SOLE_NAME, address=CANARY["sole.address"],
                       phone=CANARY["sole.phone"], id_number=CANARY["sole.id_number"], credit_class="D",
                       flags="经营异常名录;投诉举报多", tags="canarysub", last_inspected="2016-05-05"),
            target_row(2, legal_rep=CANARY["firm.legal_rep"], phone=CANARY["firm.phone"],
                       id_number=CANARY["firm.id_number"], credit_class="C", tags="canarysub"),
            target_row(3, credit_class="A", tags="canarysub")]
    write_targets(root / "targets/371302.csv", rows)
    write_yaml(root / "departments.yaml", {"departments": [
        {"id": "szbn", "name": "市职能办", "full_name": "临沂市推进政府职能转变领导小组办公室", "level": "市级",
         "region": "371300", "coordinator": True, "owners": ["@linyi/szbn"]},
        {"id": "scjgj", "name": "市场监督管理局", "full_name": "临沂市市场监督管理局", "level": "市级",
         "region": "371300", "owners": [CANARY["owners"]]}]})
    write_yaml(root / "scjgj/config.yaml", {"department": "scjgj", "units": [{"id": "scjgj", "name": "临沂市市场监督管理局"}],
                                            "ratios": {"A": "0.03", "B": "0.07", "C": "0.3", "D": "1", "flagged": "0.4"}})
    write_yaml(root / "scjgj/liaison.yaml", {"department": "scjgj", "lead_office": "信用监管科", "submitted": "2017-04-19",
                                             "people": [{"role": "联络员", "name": "李四", "title": "科员",
                                                         "office_phone": CANARY["liaison.office_phone"],
                                                         "mobile": CANARY["liaison.mobile"]}]})
    task = "LY-SCJG-2026-001"
    write_yaml(root / f"scjgj/tasks/{task}.yaml", {
        "id": task, "department": "scjgj", "year": 2026, "seq": 1, "title": "2026年企业公示信息抽查",
        "items": ["SCJG-01"], "scope": {"regions": ["371302"], "tags": ["canarysub"]},
        "ratios": {"D": "1", "C": "1", "flagged": "1"}, "period": {"start": "2026-03-01", "end": "2026-06-30"},
        "published": "2026-02-20", "seed_sources": [{"kind": "dice", "date": "2026-02-27", "place": "临沂市政务服务中心"}]})
    draw = root / f"scjgj/draws/{task}"
    write_yaml(draw / "conflicts.yaml", {"task": task, "conflicts": [
        {"inspector": "SCJG-0004", "target": FIRM, "reason": "当事人或其近亲属", "declared_by": CANARY["conflict.by"],
         "date": "2026-02-21"}]})
    _ssj("draw", "freeze", task, "--registry", root)
    write_yaml(draw / "sources.yaml", {"task": task, "sources": [{"kind": "dice", "value": "31415926",
                                                                   "witnesses": ["周见证"]}]})
    write_yaml(draw / "ceremony.yaml", {"ran_by": "市场监管局", "ran_at": "2026-02-27T10:00:00+08:00",
                                        "witnesses": [{"name": "吴监督", "role": "人大代表"}]})
    _ssj("draw", "run", task, "--registry", root)
    first = json.loads((draw / "record.json").read_text(encoding="utf-8"))["initial_assignments"][SOLE][0]
    _ssj("draw", "recuse", task, SOLE, first, "--reason", "其他关系可能影响公正", "--date", "2026-03-02",
         "--registry", root)
    events = (draw / "events.yaml").read_text(encoding="utf-8")
    (draw / "events.yaml").write_text(events.rstrip("\n") + f"\n  note: {CANARY['event.note']}\n", encoding="utf-8")
    numbers = f"身份证{CANARY['remark.id_number']}，银行卡{CANARY['remark.card']}，" if blocking_text else ""
    remark = (f"现场由{CANARY['remark.person']}陪同，电话{CANARY['remark.mobile']}，{numbers}"
              f"邮箱{CANARY['remark.email']}，座机{CANARY['remark.landline']}。")

    def result(rid, target, status, **over):
        r = {"id": rid, "target": target, "items": ["SCJG-01"], "inspectors": ["SCJG-0001", "SCJG-0002"],
             "inspected_on": "2026-04-01", "outcome": ["未发现问题"], "remarks": None, "status": status}
        if status in ("已公示", "更正"):
            r["published_on"] = "2026-04-10"
        r.update(over)
        return r

    write_yaml(root / f"scjgj/results/{task}.yaml", {"department": "scjgj", "task": task, "results": [
        result("R-1", SOLE, "更正", remarks=remark, details=CANARY["details.secret"], persons=[CANARY["remark.person"]],
               first={"outcome": ["发现问题待后续处理"], "problems": ["未按规定公示应当公示的信息"],
                      "follow_ups": ["责令改正并跟踪"], "remarks": CANARY["first.remarks"]},
               revisions=[{"date": "2026-04-10", "action": "公示", "by": "市场监管局"},
                          {"date": "2026-04-20", "action": "更正", "by": "市场监管局", "reason": "更正备注"}]),
        result("R-2", FIRM, "撤回", exception="投诉举报", remarks=CANARY["withdrawn.remarks"], published_on="2026-04-10",
               revisions=[{"date": "2026-04-25", "action": "撤回", "by": "市场监管局", "reason": "检查对象有误"}]),
        result("R-3", FIRM, "草稿", exception="投诉举报", remarks=CANARY["draft.remarks"]),
        result("R-4", FIRM, "已公示", details=RELEASED, exception="投诉举报"),
    ]})
    write_yaml(root / "scjgj/approvals.yaml", {"department": "scjgj", "approvals": [
        {"record": "result:R-4", "field": "details", "approved_on": "2026-04-09", "approved_by": "临沂市市场监督管理局",
         "basis": "权利人同意"}]})
    return root
