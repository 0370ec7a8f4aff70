"""Redaction: canaries planted in every non-public field never reach public data."""

from __future__ import annotations

import json
import pickle

import pytest
from registry_fixture import write_yaml

from privacy_fixture import (CANARY, FIRM, RELEASED, SOLE, SOLE_NAME, edit_yaml, make_canary_registry,
                             non_public_fields)
from shuangsuiji.privacy.audit import normalise
from shuangsuiji.registry.freetext import freetext_problems, mask_text
from shuangsuiji.registry.load import load_registry
from shuangsuiji.privacy.redact import Public, PublicRegistry, Withheld, redact, require_public
from shuangsuiji.registry.validate import validate


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    root = make_canary_registry(tmp_path_factory.mktemp("p") / "registries")
    reg, problems = load_registry(root)
    errors = [p for p in problems + validate(reg) if p.severity == "error" and not p.code.startswith("freetext.")]
    assert not errors, [p.text() for p in errors]
    return reg


@pytest.fixture(scope="module")
def pub(reg):
    return redact(reg)


def _walk(rec, path=""):
    """(model, field, value) of every field of a record, recursively."""
    from pydantic import BaseModel
    for name in type(rec).model_fields:
        v = getattr(rec, name)
        yield type(rec).__name__, name, v
        for x in (v if isinstance(v, list) else [v]):
            if isinstance(x, BaseModel):
                yield from _walk(x)


def _records(reg):
    yield reg.config
    yield from reg.departments.values()
    yield from reg.dept_configs.values()
    yield from reg.item_lists.values()
    yield from reg.inspector_files.values()
    yield from reg.liaisons.values()
    yield from reg.tasks.values()
    yield from reg.results.values()
    yield from reg.targets.values()
    yield from reg.approvals.values()
    for d in reg.draws.values():
        yield from (x for x in (d.sources, d.events, d.ceremony, d.conflicts) if x is not None)


def test_fixture_plants_a_value_in_every_non_public_field(reg):
    """Derived from the models: a new private field fails here until the fixture plants a canary in it."""
    planted = {(m, f) for rec in _records(reg) for m, f, v in _walk(rec) if v not in (None, [], {}, "")}
    missing = non_public_fields() - planted
    assert not missing, f"plant a canary in these fields in tests/privacy_fixture.py: {sorted(missing)}"


def test_no_canary_in_public_json(pub):
    text = json.dumps(pub.to_json(), ensure_ascii=False)
    flat = normalise(text)
    for kind, value in CANARY.items():
        assert value not in text, kind
        if len(normalise(value)) >= 6:
            assert normalise(value) not in flat, kind
    assert "credit_class" not in text and "flags" not in text and "canarysub" not in text


def test_every_non_public_field_is_absent_masked_or_withheld(reg, pub):
    """Structural: for every record that was published, each private field is missing from it."""
    assert pub.targets and pub.all_results() and pub.inspectors and pub.liaisons and pub.dept_configs
    assert pub.tasks and pub.draws and any(d.events for d in pub.draws.values())
    for tid, t in pub.targets.items():
        raw = reg.targets[tid]
        for f in ("phone", "id_number", "credit_class", "flags", "tags", "last_inspected"):
            with pytest.raises(AttributeError):
                getattr(t, f)
        assert t.legal_rep == raw.legal_rep[0] + "*"
    for r in pub.all_results():
        with pytest.raises(AttributeError):
            r.persons
        if r.first is not None:  # a correction's first content: its vocabulary fields, never its remarks
            with pytest.raises(AttributeError):
                r.first.remarks
    for i in pub.inspectors.values():
        assert set(i.fields()).isdisjoint({"gender", "birth", "id_number", "phone"})
    for lf in pub.liaisons.values():
        for p in lf.people:
            assert "mobile" not in p.fields() and "office_phone" not in p.fields()
    for c in pub.dept_configs.values():
        assert "ratios" not in c.fields()
    for t in pub.tasks.values():
        assert "ratios" not in t.fields() and "tags" not in t.scope.fields()
    for d in pub.draws.values():
        assert all("note" not in e.fields() for e in d.events)


def test_sole_proprietor_shows_operator_name_only(pub):
    t = pub.target(SOLE)
    assert t.name == SOLE_NAME and t.type == "个体工商户"
    assert t.legal_rep == SOLE_NAME[0] + "*"
    assert isinstance(t.address, Withheld) and str(t.address) == "依法不予公开：涉及个人隐私"
    assert t.to_json()["address"] == {"withheld": "个人隐私", "notice": "依法不予公开：涉及个人隐私"}
    firm = pub.target(FIRM)
    assert firm.address == "临沂市兰山区测试路2号"  # an enterprise's 住所 is its public registration data


def test_withheld_shown_as_notice_unless_approved(pub):
    by_id = {r.id: r for r in pub.all_results()}
    assert str(by_id["R-1"].details) == "依法不予公开：涉及商业秘密"
    assert by_id["R-4"].details == RELEASED


def test_free_text_masked(pub):
    r = next(r for r in pub.all_results() if r.id == "R-1")
    assert "孙*" in r.remarks and "135****0987" in r.remarks and "371324********" in r.remarks
    assert "q***@example.com" in r.remarks


def test_only_published_results_and_withdrawal_notices(pub):
    assert sorted(r.id for r in pub.all_results()) == ["R-1", "R-4"]
    (w,) = pub.withdrawals
    assert (w.id, w.reason, str(w.date)) == ("R-2", "检查对象有误", "2026-04-25")
    assert "remarks" not in w.fields() and "outcome" not in w.fields()


def _strings(v):
    if isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from _strings(x)
    elif isinstance(v, (list, tuple)):
        for x in v:
            yield from _strings(x)
    elif isinstance(v, str):
        yield v


def test_draw_is_public_without_strata_keys(reg, pub):
    d = next(iter(pub.draws.values()))
    text = json.dumps(d.to_json(), ensure_ascii=False)
    assert "371302|" not in text and "ratios" not in text and "reserve" not in text
    assert len(d.commitment) == 64 and len(d.seed) == 64
    assert [s.label for s in d.strata] == ["S1", "S2"] and {s.n for s in d.strata} == {1}
    assert {s.target for s in d.selected} == {SOLE, FIRM} == set(d.assignments) == set(d.ranked)
    # no selection ticket is published: its size would hint at the stratum's ratio (the risk class)
    assert all("ticket" not in s.fields() for s in d.selected)
    tickets = {t for files in reg.draws.values() for t in (files.record or {}).get("tickets", {}).values()}
    assert tickets and not tickets & set(_strings(pub.to_json()))
    assert d.events[0].reason == "其他关系可能影响公正"
    assert d.assignments[SOLE] != d.initial_assignments[SOLE]  # the recusal replaced an inspector
    assert "candidates_sha256" not in d.manifest and d.manifest["seed_plan"]


def test_public_cannot_be_forged_or_changed(pub):
    with pytest.raises(TypeError):
        Public(object(), "Target", {"id": "x"})
    with pytest.raises(TypeError):
        PublicRegistry(object(), *[None] * 22)
    t = pub.target(SOLE)
    with pytest.raises(AttributeError):
        t.name = "x"
    with pytest.raises(TypeError):
        require_public({"targets": {}})
    assert require_public(pub) is pub
    assert pickle.loads(pickle.dumps(t)) == t  # render workers get records by pickle


def test_mask_text_kinds():
    masked, hits = mask_text("电话１３８ １２３４ ５６７８，日期20170901，罚款35000000元，本地82345678", [])
    assert [h.kind for h in hits] == ["mobile", "landline"]
    assert "20170901" in masked and "35000000元" in masked and "138****5678" in masked


def test_review_and_liaison_notes_are_free_text(tmp_path):
    """ReviewStep.note and Liaison.note are public free text: masked when published, reported by validate."""
    root = make_canary_registry(tmp_path / "registries")
    note = f"请联系 13812345678（{CANARY['remark.person']}）"
    edit_yaml(root / "scjgj/liaison.yaml", lambda d: d["people"][0].update(note=note))
    edit_yaml(root / "scjgj/items.yaml", lambda d: d["review"][0].update(note=note))
    reg = load_registry(root)[0]
    pub = redact(reg)
    masked = "请联系 138****5678（孙*）"
    assert pub.liaisons["scjgj"].people[0].note == masked
    assert pub.item_lists["scjgj"].review[0].note == masked
    hits = {(p.file, p.field, p.code) for p in freetext_problems(reg)}
    assert {("scjgj/liaison.yaml", "people[0].note", "freetext.mobile"),
            ("scjgj/liaison.yaml", "people[0].note", "freetext.name"),
            ("scjgj/items.yaml", "review[0].note", "freetext.mobile")} <= hits


def test_rules_keep_office_contacts_and_mask_personal_data(tmp_path):
    """A department's 实施细则 publishes its office hotline, and its office e-mail when the registry
    declares the domain; mobiles, personal e-mails, ID numbers and registered names in it are masked
    (and reported by validate with their line)."""
    root = make_canary_registry(tmp_path / "registries", blocking_text=False)
    write_yaml(root / "config.yaml", {"privacy": {"org_email_domains": ["linyi.gov.cn"]}})
    (root / "scjgj/rules.md").write_text(
        "# 实施细则\n\n投诉举报电话：0539-8123456，邮箱 scjgj@linyi.gov.cn。\n\n"
        f"值班手机 13712345678（{CANARY['remark.person']}），身份证 {CANARY['remark.id_number']}。\n\n"
        "联系人邮箱 zhangsan1985@163.com\n", encoding="utf-8")
    reg = load_registry(root)[0]
    rules = redact(reg).rules["scjgj"]
    assert "0539-8123456" in rules and "scjgj@linyi.gov.cn" in rules
    assert "137****5678（孙*）" in rules and "371324********" in rules
    assert "13712345678" not in rules and CANARY["remark.person"] not in rules
    assert "zhangsan1985@163.com" not in rules  # typed into rules.md, a personal e-mail is still masked
    found = sorted((p.line, p.code) for p in freetext_problems(reg) if p.file == "scjgj/rules.md")
    assert found == [(5, "freetext.id_number"), (5, "freetext.mobile"), (5, "freetext.name"), (7, "freetext.email")]


def test_credit_events_from_credit_rules_as_of_the_registry_date(tmp_path):
    """Published credit events are `credit.credit_events` as of the latest date the published
    results record (not the clock): legal basis and due dates included, withdrawn results left out."""
    from shuangsuiji.analysis import credit
    from shuangsuiji.privacy.redact import registry_date

    root = make_canary_registry(tmp_path / "registries", blocking_text=False)

    def change(d):
        for r in d["results"]:
            if r["id"] in ("R-4", "R-2"):  # R-4 published, R-2 withdrawn: only R-4 counts
                r.update(outcome=["发现问题待后续处理"], problems=["通过登记的住所（经营场所）无法联系"],
                         follow_ups=["列入经营异常名录", "移送司法机关"])
            if r["id"] == "R-4":
                r["abnormal_listed_on"] = "2026-04-15"
    edit_yaml(root / "scjgj/results/LY-SCJG-2026-001.yaml", change)
    reg, problems = load_registry(root)
    assert not [p for p in problems if p.severity == "error"]
    assert registry_date(reg).isoformat() == "2026-04-20"  # R-1's correction, the latest published date
    events = redact(reg).credit_events
    assert [(e.kind, e.target, e.date.isoformat(), e.recorded, e.result, e.basis) for e in events] == [
        (credit.REFERRAL, FIRM, "2026-04-05", False, "R-4", credit.REFERRAL_BASIS),  # due 4 days after inspection
        (credit.ABNORMAL, FIRM, "2026-04-15", True, "R-4", credit._ABNORMAL_LAW)]
    assert set(events[0].fields()) == {"target", "kind", "date", "recorded", "ground", "basis", "result", "task",
                                       "department"}
    assert events[1].ground == "通过登记的住所或者经营场所无法联系" and events[1].department == "scjgj"


def test_a_result_withdrawn_before_publication_gets_no_notice(tmp_path):
    """Withdrawing a draft tells the public nothing: no notice, no page for its company."""
    root = make_canary_registry(tmp_path / "registries")

    def never_published(d):
        for r in d["results"]:
            if r["id"] == "R-2":
                r.pop("published_on")
    edit_yaml(root / "scjgj/results/LY-SCJG-2026-001.yaml", never_published)
    pub = redact(load_registry(root)[0])
    assert [w.id for w in pub.withdrawals] == []
    assert sorted(r.id for r in pub.all_results()) == ["R-1", "R-4"]


def test_public_strings_are_every_string_of_the_public_json(pub, tmp_path):
    """The audit's exemptions: the strings redaction kept per unit (targets, results, withdrawals, draws)
    plus the rest walked are every string of `to_json`, keys and values, with a memo or without."""
    from shuangsuiji.core.unitmemo import UnitMemo
    from shuangsuiji.privacy.redact import public_strings

    def strings(x, out):
        if isinstance(x, dict):
            out.update(map(str, x))
            for v in x.values():
                strings(v, out)
        elif isinstance(x, list):
            for v in x:
                strings(v, out)
        elif isinstance(x, str):
            out.add(x)
        return out

    expected = strings(pub.to_json(), set(pub.to_json()))
    assert pub.withdrawals and pub.draws and pub.targets  # every kept unit kind is there
    assert set(public_strings(pub)) == expected
    reg = load_registry(make_canary_registry(tmp_path / "registries"))[0]
    for _ in range(2):  # made, then taken from the memo
        memo = UnitMemo(tmp_path / "memo", "context")
        assert set(public_strings(redact(reg, memo=memo))) == expected
        memo.save()
