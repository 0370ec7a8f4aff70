"""The company name index (nameindex.py) and its query in search.js, on the example registry.

The judging rule of issue 12: for every company page of the example site, a substring of
its trade name that at most three company names contain finds it among the first three
results, and its full USCC (and registration number) always finds it. The queries run in
real Chromium through search.js, in one page session (window.ssjSearch.names).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re

import pytest

from shuangsuiji.site import nameindex
from shuangsuiji.registry.load import load_registry
from shuangsuiji.privacy.redact import redact
from shuangsuiji.site.render.pages import Site, company_filters
from site_fixture import ROOT, TOP_CODES, browser, serve, write_names_site

EXAMPLE = ROOT / "registries"
# the place and organisational form around a trade name (字号): 临沂市兰山区 … 有限公司
_PLACE = re.compile(r"^(山东省?)?(临沂市?)?(\w{1,3}?[区县])?")
_FORM = re.compile(r"(股份有限公司|有限责任公司|有限公司|公司|专业合作社|合作社|分公司|厂|店|部|中心|协会|商会|学会)$")


@pytest.fixture(scope="module")
def example() -> list[nameindex.Company]:
    reg, _ = load_registry(EXAMPLE, jobs=1, cache=False)
    return nameindex.companies(Site(redact(reg), ""))


def trade_name(name: str) -> str:
    return _FORM.sub("", _PLACE.sub("", name)) or name


def probes(items: list[nameindex.Company]) -> list[tuple[str, str]]:
    """(query, company id): every substring (2–4 characters) of each trade name that at most three names contain."""
    names = [nameindex.normalise(c.name) for c in items]
    out = []
    for c in items:
        t = nameindex.normalise(trade_name(c.name))
        subs = dict.fromkeys(t[i:i + n] for n in (2, 3, 4) for i in range(len(t) - n + 1))
        out += [(s, c.id) for s in subs if sum(s in n for n in names) <= 3]
    return out


def test_files_are_deterministic_and_cover_every_company(example):
    assert len(example) > 100
    a = nameindex.files(example)
    assert a == nameindex.files(list(reversed(example)))
    manifest = json.loads(a["index.json"])
    base = manifest["base"]
    assert all(rel == "index.json" or rel.startswith(base) for rel in a)
    rows = [r for rel in sorted(a, key=lambda r: (len(r), r)) if rel.startswith(f"{base}t/") for r in json.loads(a[rel])]
    assert sorted(r[0] for r in rows) == sorted(c.id for c in example)
    lengths = [len(nameindex.normalise(r[1])) for r in rows]
    assert lengths == sorted(lengths)  # ids in rank order: shorter names first
    codes = {}
    for rel in a:
        if rel.startswith(f"{base}c/"):
            codes.update(json.loads(a[rel]))
    for c in example:  # every USCC and registration number points at its company's row
        for code in c.codes:
            assert rows[codes[code]][0] == c.id
    assert any(len(c.codes) == 2 for c in example)  # some have both a USCC and an old number


def test_heavy_bigrams_get_their_own_file(example):
    a = nameindex.files(example, heavy_min=10)
    manifest = json.loads(a["index.json"])
    heavy = manifest["heavy"]
    assert "有限" in heavy and "公司" in heavy
    n, count = heavy["有限"]
    deltas = json.loads(a[f"{manifest['base']}h/{n}.json"])
    assert len(deltas) == count == sum("有限" in nameindex.normalise(c.name) for c in example)
    for rel in a:  # and no gram shard repeats them
        if rel.startswith(f"{manifest['base']}g/"):
            assert not set(json.loads(a[rel])) & set(heavy)


def test_companies_come_from_the_redaction_stage_only(example):
    reg, _ = load_registry(EXAMPLE, jobs=1, cache=False)
    with pytest.raises(TypeError):
        nameindex.companies(Site(reg, ""))
    pub = redact(reg)
    assert [c.id for c in example] == sorted(pub.targets)  # exactly the companies that have a page
    assert {c.region for c in example} <= {r.name for r in pub.regions.values()}  # names, not codes
    assert any(c.latest and c.latest_on for c in example)


def test_a_company_is_kept_under_its_page_key(example, tmp_path, monkeypatch):
    """A rebuild takes a company whose page key the last build kept from the cache, not made
    again; a company under a new key (its page changed), or any under another stamp, is made."""
    reg, _ = load_registry(EXAMPLE, jobs=1, cache=False)
    site = Site(redact(reg), "")
    keys = {c.id: f"key-{c.id}" for c in example}
    assert nameindex.companies(site, keys, tmp_path, "s1") == example
    made = []
    real = nameindex._company
    monkeypatch.setattr(nameindex, "_company", lambda s, tid: made.append(tid) or real(s, tid))
    changed = example[3].id
    assert nameindex.companies(site, {**keys, changed: "new"}, tmp_path, "s1") == example
    assert made == [changed]
    made.clear()
    assert nameindex.companies(site, keys, tmp_path, "s2") == example
    assert sorted(made) == [c.id for c in example]


def test_name_files_are_kept_while_no_name_or_code_changes(example, tmp_path, monkeypatch):
    """The bigram, heavy and code files come from the cache while the names and codes are the same
    (a new result changes only the table and filters); a renamed company makes them again."""
    cold = nameindex.files(example)
    assert nameindex.files(example, cache=tmp_path) == cold
    real = nameindex._name_files
    calls = []
    monkeypatch.setattr(nameindex, "_name_files", lambda *a: calls.append(1) or real(*a))
    outcome = [dataclasses.replace(c, latest="责令整改") if n == 0 else c for n, c in enumerate(example)]
    assert nameindex.files(outcome, cache=tmp_path) == nameindex.files(outcome) and calls == [1]  # the uncached one
    calls.clear()
    renamed = [dataclasses.replace(c, name=c.name + "分店") if n == 0 else c for n, c in enumerate(example)]
    assert nameindex.files(renamed, cache=tmp_path) == nameindex.files(renamed) and calls == [1, 1]


def test_filter_postings_list_each_value_s_companies(example):
    """Per filter and value, the ids (rank order) of exactly the companies whose page carries it."""
    reg, _ = load_registry(EXAMPLE, jobs=1, cache=False)
    site = Site(redact(reg), "")
    a = nameindex.files(example)
    manifest = json.loads(a["index.json"])
    base = manifest["base"]
    rows = [r for rel in sorted(a, key=lambda r: (len(r), r)) if rel.startswith(f"{base}t/") for r in json.loads(a[rel])]
    want: dict[tuple[str, str], list[str]] = {}
    for r in rows:  # in rank order
        for pair in company_filters(site, r[0]):
            want.setdefault(pair, []).append(r[0])
    assert set(manifest["filters"]) == {"部门", "区域", "年度", "结果", "行业"}
    got = {}
    for k, values in manifest["filters"].items():
        for v, (n, count) in values.items():
            ids = list(itertools.accumulate(json.loads(a[f"{base}f/{n}.json"])[k][v]))
            assert len(ids) == count and ids == sorted(ids)
            got[k, v] = [rows[i][0] for i in ids]
    assert got == want
    assert len({rel for rel in a if rel.startswith(f"{base}f/")}) < len(got) / 10  # values packed together


@pytest.mark.browser
@pytest.mark.parametrize("heavy_min", [nameindex.HEAVY_MIN, 10])  # 10: the heavy-bigram path at example scale
def test_part_of_a_trade_name_or_the_code_finds_the_company(example, tmp_path, heavy_min):
    site = write_names_site(tmp_path, nameindex.files(example, heavy_min))
    parts = probes(example)
    found_by = {cid for _, cid in parts}
    assert len(found_by) >= 0.95 * len(example)  # nearly every company has such a part
    codes = [(code.lower() if i % 2 else code, c.id) for i, c in enumerate(example) for code in c.codes]
    errors: list[str] = []
    with serve(site) as base, browser() as b:
        page = b.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "search/")
        tops = page.evaluate(TOP_CODES, [[q for q, _ in parts + codes], 3])
        missing = page.evaluate(TOP_CODES, [["未登记的企业名", "91371302MA3C4D5E6X", "兰"], 3])
    hits = [cid in top for (_, cid), top in zip(parts, tops)]
    recall = sum(hits) / len(hits)
    assert recall >= 0.99, [q for (q, _), h in zip(parts, hits) if not h][:20]
    assert [top[:1] for top in tops[len(parts):]] == [[cid] for _, cid in codes]  # the code: that company only
    assert all(len(top) == 1 for top in tops[len(parts):])
    assert missing == [[], [], []]
    assert errors == []


@pytest.mark.browser
def test_ranking_exact_substring_and_short_names_first(tmp_path):
    """通泰 finds 通泰酒店 and not 通程茶叶店 (one shared character); names holding both bigrams
    apart come after the exact ones; shorter names first."""
    def co(i, name):
        return nameindex.Company(f"91371302MA3C4D5E{i:02d}", name, (f"91371302MA3C4D5E{i:02d}",), "兰山区", "", "")

    items = [co(1, "兰山区通程茶叶店"), co(2, "临沂市兰山区通泰酒店有限公司"), co(3, "通泰商行"),
             co(4, "临沂泰和通泰物流有限公司"), co(5, "临沂通泰和物流有限公司"), co(6, "临沂市通福镇某某超市")]
    site = write_names_site(tmp_path, nameindex.files(items, 10))
    with serve(site) as base, browser() as b:
        page = b.new_page()
        page.goto(base + "search/")
        script = """async (q) => {
            await new Promise((ok) => { const t = () => window.ssjSearch ? ok() : setTimeout(t, 20); t(); });
            const l = await window.ssjSearch.names.find(q);
            const rows = await l.next(10);
            return {rows: rows.map((r) => [r.name, Boolean(r.near)]), count: l.count, near: l.near};
        }"""
        tongtai = page.evaluate(script, "通泰")
        assert tongtai["rows"] == [["通泰商行", False], ["临沂通泰和物流有限公司", False],
                                   ["临沂泰和通泰物流有限公司", False], ["临沂市兰山区通泰酒店有限公司", False]]
        assert tongtai["count"] == 4
        three = page.evaluate(script, "通泰和")
        assert three["rows"] == [["临沂通泰和物流有限公司", False], ["临沂泰和通泰物流有限公司", True]]
        assert (three["count"], three["near"]) == (1, 1)


@pytest.mark.browser
def test_full_text_pages_holding_the_query_come_first(example, tmp_path):
    """Pagefind's results are reordered per step: pages holding every term as typed first, stable otherwise."""
    site = write_names_site(tmp_path, nameindex.files(example[:5]))
    pages = [{"url": "a", "content": "兰山区通程茶叶店 通福镇 泰和路"}, {"url": "b", "content": "临沂市兰山区通泰酒店 2023"},
             {"url": "c", "content": "通 泰"}, {"url": "d", "content": "通泰 抽查结果 2023"}, {"url": "e"}]
    with serve(site) as base, browser() as b:
        page = b.new_page()
        page.goto(base + "search/")
        page.wait_for_function("() => window.ssjSearch")
        order = "(args) => window.ssjSearch.holdersFirst(...args).map((d) => d.url)"
        assert page.evaluate(order, [pages, ["通泰"]]) == ["b", "d", "a", "c", "e"]
        assert page.evaluate(order, [pages, ["通泰", "2023"]]) == ["b", "d", "a", "c", "e"]
        assert page.evaluate(order, [pages, []]) == ["a", "b", "c", "d", "e"]
