"""Names in free text: registered private names are masked as whole names only, never inside
a place name, an organisation's name or an ordinary word that holds the same characters."""

from __future__ import annotations

import pytest

from privacy_fixture import edit_yaml, make_canary_registry
from shuangsuiji.registry.freetext import NameIndex, freetext_problems, mask_text
from shuangsuiji.registry.load import load_registry
from shuangsuiji.privacy.redact import redact

NAMES = NameIndex(["高新", "金雀山", "孙雀语", "欧阳", "欧阳娜娜"], shields=["金雀山路"])


@pytest.mark.parametrize("text", ["临沂高新技术产业开发区", "检查了高新区的企业", "对高新技术企业开展检查",
                                  "地址位于金雀山路"])
def test_place_organisation_and_word_not_taken_for_a_name(text):
    assert mask_text(text, NAMES) == (text, [])


@pytest.mark.parametrize("text,masked", [
    ("现场由高新陪同", "现场由高*陪同"),
    ("负责人高新签字确认", "负责人高*签字确认"),
    ("高新，男", "高*，男"),
    ("由金雀山陪同", "由金*陪同"),
    ("孙雀语在场", "孙*在场"),
    ("欧阳娜娜和欧阳", "欧*和欧*"),
])
def test_registered_name_masked_as_a_whole_name(text, masked):
    assert mask_text(text, NAMES)[0] == masked


def test_registry_zone_name_kept_and_person_masked(tmp_path):
    """The registry's zone 临沂高新技术产业开发区 in a remark whose result names a person 高新."""
    root = make_canary_registry(tmp_path / "registries")
    edit_yaml(root / "regions.yaml", lambda d: d["regions"].append(
        {"code": "371371", "name": "高新区", "kind": "功能区", "parent": "371300"}))
    task = "LY-SCJG-2026-001"

    def change(d):
        r4 = next(r for r in d["results"] if r["id"] == "R-4")
        r4["persons"] = ["高新"]
        r4["remarks"] = "企业已迁入临沂高新技术产业开发区，由高新陪同检查。"
    edit_yaml(root / f"scjgj/results/{task}.yaml", change)
    reg = load_registry(root)[0]

    by_id = {r.id: r for r in redact(reg).all_results()}
    assert by_id["R-4"].remarks == "企业已迁入临沂高新技术产业开发区，由高*陪同检查。"
    assert "孙*" in by_id["R-1"].remarks  # the canary person of another result is still masked
    names = [p for p in freetext_problems(reg) if p.code == "freetext.name"]
    assert sorted(p.field for p in names) == ["results[0].remarks", "results[3].remarks"]
    assert all("高新技术" not in p.zh for p in names)
