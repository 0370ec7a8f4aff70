"""`ssj audit-leaks`: clean output passes; each kind of canary forced into any file format is caught."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import openpyxl
import pytest

from privacy_fixture import CANARY, SOLE, make_canary_registry
from shuangsuiji.privacy.audit import audit_site
from shuangsuiji.cli import main
from shuangsuiji.registry.load import load_registry
from shuangsuiji.privacy.redact import redact


@pytest.fixture(scope="module")
def reg_dir(tmp_path_factory) -> Path:
    return make_canary_registry(tmp_path_factory.mktemp("a") / "registries")


@pytest.fixture(scope="module")
def reg(reg_dir):
    return load_registry(reg_dir)[0]


def _clean_site(root: Path, reg) -> Path:
    """A site made of public data only: the redacted registry as JSON and as a page."""
    root.mkdir(parents=True, exist_ok=True)
    pub = redact(reg)
    data = pub.to_json()
    (root / "data.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (root / "data-ascii.json").write_text(json.dumps(data), encoding="utf-8")
    t = pub.target(SOLE)
    (root / "t.html").write_text(f"<h1>{t.name}</h1><p>负责人：{t.legal_rep}</p><p>住所：{t.address}</p>"
                                 "<p>本网站不公开风险等级（A–D）与信用状况。</p>"
                                 # numbers that equal an inspector's 出生年月 1985-06 digit for digit, not a birth
                                 "<p>文件大小 198506 字节；成立日期 1985-06-12、1985.06.12、1985年6月12日</p>",
                                 encoding="utf-8")
    return root


def test_clean_site_passes(tmp_path, reg_dir, reg, capsys):
    site = _clean_site(tmp_path / "site", reg)
    assert audit_site(site, reg) == []
    assert main(["audit-leaks", str(site), "--registry", str(reg_dir)]) == 0


def _pagefind_like(payload: str) -> bytes:
    return gzip.compress(b"pagefind_dcd" + payload.encode("utf-8"))


def _xlsx(path: Path, value: str) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["名称", "住所"])
    wb.active.append(["某某", value])
    wb.save(path)


# (file name, writer, expected kind)
FORCED = [
    ("a.html", lambda p: p.write_text(f"<td>{CANARY['sole.phone']}</td>", encoding="utf-8"), "Target.phone"),
    ("b.json", lambda p: p.write_text(json.dumps({"x": CANARY["sole.address"]}), encoding="utf-8"),
     "Target.address"),  # \\u-escaped
    ("c.xlsx", lambda p: _xlsx(p, CANARY["sole.address"]), "Target.address"),
    ("pagefind/fragment/en_1.pf_fragment",
     lambda p: p.write_bytes(_pagefind_like(json.dumps({"content": "备注 " + CANARY["details.secret"]},
                                                       ensure_ascii=False))), "Result.details"),
    ("sitemap.xml.gz", lambda p: p.write_bytes(gzip.compress(CANARY["firm.id_number"].encode())), "Target.id_number"),
    ("d.csv", lambda p: p.write_bytes(f"名称,负责人\n某公司,{CANARY['firm.legal_rep']}\n".encode("gb18030")),
     "Target.legal_rep"),
    ("e.html", lambda p: p.write_text("<p>电话：１３５ １２３４ ０９８７</p>", encoding="utf-8"),
     "Result.remarks (mobile in free text)"),
    ("f.html", lambda p: p.write_text(f"<p>{CANARY['remark.person']}</p>", encoding="utf-8"),
     "Result.persons"),
    ("g.xml", lambda p: p.write_text(f"<item>{CANARY['first.remarks']}</item>", encoding="utf-8"),
     "ResultContent.remarks"),  # first is public, its remarks private: named after their model
    ("h.html", lambda p: p.write_text(f"<p>{CANARY['withdrawn.remarks']}</p>", encoding="utf-8"), "Result.remarks"),
    ("i.html", lambda p: p.write_text(f"<p>{CANARY['event.note']}</p>", encoding="utf-8"), "DrawEvent.note"),
    ("j.json", lambda p: p.write_text(json.dumps({"m": CANARY["liaison.mobile"]}), encoding="utf-8"),
     "Liaison.mobile"),
    ("k.html", lambda p: p.write_text("<dt>风险等级</dt><dd>D</dd>", encoding="utf-8"), "credit-class label"),
    ("l.json", lambda p: p.write_text('{"id": "x", "credit_class": "B"}', encoding="utf-8"), "credit-class key"),
    ("m.html", lambda p: p.write_text("<span>371302|较高</span>", encoding="utf-8"), "stratum key"),
    ("n.txt", lambda p: p.write_text(f"{CANARY['remark.card']}", encoding="utf-8"),
     "Result.remarks (bank_card in free text)"),
    ("o.html", lambda p: p.write_text(f"&#x{ord(CANARY['conflict.by'][0]):x};{CANARY['conflict.by'][1:]}",
                                      encoding="utf-8"), "ConflictsFile.conflicts.declared_by"),
    ("p.html", lambda p: p.write_text("<td>出生年月：1985年6月</td>", encoding="utf-8"), "Inspector.birth"),
    ("q.json", lambda p: p.write_text('{"b": "１９８５－０６"}', encoding="utf-8"), "Inspector.birth"),
]


@pytest.mark.parametrize("name,write,kind", FORCED, ids=[f[0] for f in FORCED])
def test_audit_catches_each_kind(tmp_path, reg_dir, reg, capsys, name, write, kind):
    site = _clean_site(tmp_path / "site", reg)
    path = site / name
    path.parent.mkdir(parents=True, exist_ok=True)
    write(path)
    code = main(["audit-leaks", str(site), "--registry", str(reg_dir)])
    out = capsys.readouterr()
    assert code == 1
    assert any(line.startswith(name) and kind in line for line in out.out.splitlines()), out.out
    for value in CANARY.values():  # the report names the kind, never the value
        assert value not in out.out + out.err


def test_parallel_scan_same_result(tmp_path, reg, monkeypatch):
    site = _clean_site(tmp_path / "site", reg)
    for name, write, _ in FORCED:
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        write(site / name)
    from shuangsuiji.privacy import audit
    from shuangsuiji.privacy.audit import audit_files, needles_for
    monkeypatch.setattr(audit, "PARALLEL_BYTES", 0)  # a test site is small: fork the workers anyway
    needles = needles_for(reg)
    assert audit_files(site, needles, jobs=1) == audit_files(site, needles, jobs=2) != []


def test_pagefind_split_codes_are_codes(tmp_path, reg):
    """Pagefind splits a code at letter/digit bounds with zero-width spaces: the shape scan joins it
    again (a USCC ending in letters is no card number), and a number split off is still found."""
    from shuangsuiji.privacy.audit import audit_files, needles_for
    site = _clean_site(tmp_path / "site", reg)
    (site / "f1.pf_fragment").write_bytes(_pagefind_like("临沂\u200b市\u200b商会\u200b（\u200b5137130062603857\u200bXG\u200b）"))
    needles = needles_for(reg)
    assert audit_files(site, needles, jobs=1) == []
    (site / "f2.pf_fragment").write_bytes(_pagefind_like("电话\u200b13812345678\u200b号"))
    assert [x.file for x in audit_files(site, needles, jobs=1)] == ["f2.pf_fragment!gunzip"]


def test_cached_audit_rescans_what_changed(tmp_path, reg):
    """A rebuild's audit skips files found clean before, but not a changed file, nor any file once
    the private values change (the cache is keyed by the needle set)."""
    from dataclasses import replace
    from shuangsuiji.privacy.audit import audit_files, needles_for
    site, cache = _clean_site(tmp_path / "site", reg), tmp_path / "cache"
    needles = needles_for(reg)
    assert audit_files(site, needles, jobs=1, cache=cache) == []
    assert len(list(cache.glob("*.clean"))) == 1
    (site / "t.html").write_text(f"<td>{CANARY['sole.phone']}</td>", encoding="utf-8")  # a changed file
    assert ("t.html", "Target.phone") in [(x.file, x.kind) for x in audit_files(site, needles, jobs=1, cache=cache)]
    (site / "t.html").write_text("<p>无</p>", encoding="utf-8")
    assert audit_files(site, needles, jobs=1, cache=cache) == []
    # an unchanged file holding a value that becomes private: found, though the file was clean before
    (site / "u.html").write_text("<p>仍为公开的值金雀银杏</p>", encoding="utf-8")
    assert audit_files(site, needles, jobs=1, cache=cache) == []
    private = replace(needles, text={**needles.text, "仍为公开的值金雀银杏": "Target.phone"})
    assert [(x.file, x.kind) for x in audit_files(site, private, jobs=1, cache=cache)] == [("u.html", "Target.phone")]
    assert len(list(cache.glob("*.clean"))) == 1  # only the current needle set's verdicts are kept


@pytest.mark.slow
def test_built_site_has_no_private_value(tmp_path, capsys):
    """End to end: build the canary registry's site, audit it, and look for each canary independently."""
    from privacy_fixture import SOLE_NAME
    from shuangsuiji.privacy.audit import _expand

    reg_dir = make_canary_registry(tmp_path / "registries", blocking_text=False)
    site = tmp_path / "site"
    assert main(["build", "--registry", str(reg_dir), "--out", str(site)]) == 0
    assert main(["audit-leaks", str(site), "--registry", str(reg_dir)]) == 0
    blobs = b"\n".join(part for p in sorted(site.rglob("*")) if p.is_file()
                       for _, part in _expand(p.name, p.read_bytes()))
    for kind, value in CANARY.items():
        if kind not in ("remark.id_number", "remark.card"):  # left out: validate refuses them, so build does
            assert value.encode() not in blobs, kind
    page = (site / "targets" / SOLE / "index.html").read_text(encoding="utf-8")
    assert SOLE_NAME in page and SOLE_NAME[0] + "*" in page
    assert "依法不予公开：涉及个人隐私" in page
    assert "依法不予公开：涉及商业秘密" in blobs.decode("utf-8", "replace")


def test_record_page_shell_is_scanned_once_and_pages_only_for_their_own_parts(tmp_path, reg):
    """With the record-page shell given, a page that fits it is scanned for its own parts (with a
    margin of the shell around each), the shell's pieces once: a value in the page's own part, one
    straddling a piece's edge, one planted inside the shell part of a page (which then no longer
    fits), and one in the shell itself are all found; a clean page passes."""
    from shuangsuiji.privacy.audit import Shells, audit_files, needles_for
    needles = needles_for(reg)
    rep = CANARY["firm.legal_rep"]
    head = "<!doctype html><html><head><title>" + "外壳" * 400 + "</title></head><body><p>负责人："
    shells = Shells({1: (head, None, "</p>" + "页脚" * 400 + "</body></html>")})
    site = tmp_path / "site"

    def page(name: str, own: str, shell_head: str = head) -> None:
        (site / name).mkdir(parents=True, exist_ok=True)
        (site / name / "index.html").write_text(f"{shell_head}{own}</p>{'页脚' * 400}</body></html>", encoding="utf-8")

    page("clean", "魏*")
    assert audit_files(site, needles, jobs=1, shells=shells) == []
    page("own", rep)
    page("planted", "魏*", head.replace("外壳外壳", f"外壳{rep}", 1))
    found = {x.file for x in audit_files(site, needles, jobs=1, shells=shells)}
    assert found == {"own/index.html", "planted/index.html"}
    # the shell's piece ends with half the name, the page's own part holds the other half
    cut = len(rep) // 2
    edge = Shells({1: (head + rep[:cut], None, "</p>" + "页脚" * 400 + "</body></html>")})
    edged = tmp_path / "edged"
    (edged / "p").mkdir(parents=True)
    (edged / "p" / "index.html").write_text(f"{head}{rep}</p>{'页脚' * 400}</body></html>", encoding="utf-8")
    assert [(x.file, x.kind) for x in audit_files(edged, needles, jobs=1, shells=edge)] == [
        ("p/index.html", "Target.legal_rep")]
    (tmp_path / "empty").mkdir()
    leaky = Shells({1: (head + rep, None, "</p></body></html>")})  # a template printing a private value
    assert [x.kind for x in audit_files(tmp_path / "empty", needles, jobs=1, shells=leaky)] == ["Target.legal_rep"]


def test_an_archive_member_found_clean_before_is_not_scanned_again_but_a_new_one_is(tmp_path, reg):
    """A year's zip holds copies of the year's tables: a member whose bytes were found clean (as a
    table of their own) shares that verdict; a changed or new member is scanned."""
    import io
    import zipfile
    from shuangsuiji.privacy import audit
    from shuangsuiji.privacy.audit import audit_files, needles_for
    site, cache = tmp_path / "site", tmp_path / "cache"
    (site / "data").mkdir(parents=True)
    table = "name,remarks\r\n临沂示例商贸有限公司,无\r\n".encode("utf-8")
    (site / "data" / "results.csv").write_bytes(table)
    needles = needles_for(reg)
    assert audit_files(site, needles, jobs=1, cache=cache) == []

    def year_zip(extra: bytes) -> None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("ajj/2026/results.csv", table)
            z.writestr("ajj/2026/drawn.csv", extra)
        (site / "data" / "shuangsuiji-2026.zip").write_bytes(buf.getvalue())

    scanned = []
    real = audit._decode
    year_zip(f"name,phone\r\n某某,{CANARY['sole.phone']}\r\n".encode("utf-8"))
    try:
        audit._decode = lambda data: scanned.append(data) or real(data)
        leaks = audit_files(site, needles, jobs=1, cache=cache)
    finally:
        audit._decode = real
    assert {x.file for x in leaks} == {"data/shuangsuiji-2026.zip!ajj/2026/drawn.csv"}
    assert "Target.phone" in {x.kind for x in leaks}
    assert table not in scanned  # the unchanged table inside the zip was not scanned again
    year_zip("name\r\n某某\r\n".encode("utf-8"))
    assert audit_files(site, needles, jobs=1, cache=cache) == []


def _as_searched(n) -> tuple:
    return n.text, n.digits, n.raw, n.months, n.exempt


def test_needles_kept_between_builds_equal_needles_made_afresh(tmp_path):
    """The last build's needles are used again only as far as they hold: a public string added
    exempts its value, a public string removed makes its value searched for again, a changed
    private value makes all again; each result equals the needles made from nothing."""
    from shuangsuiji.privacy.audit import build_needles
    memo = tmp_path / "needles.pickle"
    values = [("王建国", "Inspector.name", False), ("13912345678", "Inspector.phone", False),
              ("李秀英", "Result.persons", False), ("S-GOLD", "stratum key", True)]
    steps = [
        (values, ["临沂市", "检查结果"]),  # first build: nothing exempt
        (values, ["临沂市", "检查结果"]),  # nothing changed
        (values, ["临沂市", "检查结果", "王建国商店"]),  # a public string holding a private value: exempt
        (values, ["临沂市", "检查结果"]),  # that string gone: searched for again
        (values[:1] + [("13987654321", "Inspector.phone", False)] + values[2:], ["临沂市", "王建国商店"]),
    ]
    for vals, public in steps:
        kept = build_needles(vals, public, memo=memo)
        assert _as_searched(kept) == _as_searched(build_needles(vals, public)), public
    assert memo.is_file()
    assert "王建国" not in kept.text and kept.exempt == 1 and "13987654321" in kept.digits


def test_a_file_known_by_its_stat_is_another_file_when_its_inode_differs(tmp_path, reg):
    """The audit knows an old file by its stat (device, inode, size, mtime) without reading it; a file
    put in its place with the same size and time is another inode, and is read."""
    import os
    from shuangsuiji.privacy.audit import audit_files, needles_for
    site, cache = _clean_site(tmp_path / "site", reg), tmp_path / "cache"
    needles = needles_for(reg)
    page = site / "t.html"
    old = page.read_bytes()
    st = page.stat()
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns - 10**10))  # old enough to be remembered
    assert audit_files(site, needles, jobs=1, cache=cache) == []
    st = page.stat()
    leak = f"<td>{CANARY['sole.phone']}</td>".encode()
    planted = tmp_path / "planted"
    planted.write_bytes(leak + b" " * (len(old) - len(leak)))  # the same size
    os.utime(planted, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the same time
    os.replace(planted, page)
    assert ("t.html", "Target.phone") in [(x.file, x.kind) for x in audit_files(site, needles, jobs=1, cache=cache)]
