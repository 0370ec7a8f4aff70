"""Feeds: every RSS/Atom feed parsed by feedparser (bozo 0), every JSON Feed checked against the 1.1 schema."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import jsonschema
import pytest
import yaml

from analysis_fixture import make_registry
from site_build_fixture import assert_same_files
from shuangsuiji.site import feeds
from shuangsuiji.registry.load import load_registry, source_keys
from shuangsuiji.site.render.deps import Sources
from shuangsuiji.privacy.redact import redact

# JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): the required members and their types.
JSON_FEED_SCHEMA = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"}, "home_page_url": {"type": "string", "format": "uri"},
        "feed_url": {"type": "string", "format": "uri"}, "description": {"type": "string"},
        "language": {"type": "string"},
        "authors": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
        "items": {"type": "array", "items": {
            "type": "object", "required": ["id"], "anyOf": [{"required": ["content_text"]}, {"required": ["content_html"]}],
            "properties": {
                "id": {"type": "string"}, "url": {"type": "string", "format": "uri"}, "title": {"type": "string"},
                "content_text": {"type": "string"}, "content_html": {"type": "string"},
                "date_published": {"type": "string", "format": "date-time"},
                "date_modified": {"type": "string", "format": "date-time"},
                "tags": {"type": "array", "items": {"type": "string"}}}}},
    },
}
SITE = "https://example.gov.cn/ssj/"
SECRET = "旧内容含秘密XJ-77"  # what a withdrawn result said: it must never reach a feed


def _edit_results(reg: Path) -> None:
    path = reg / "scjgj" / "results" / "scjgj-2023-1.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    rs = doc["results"]
    rs[0].update(status="撤回", remarks=SECRET, revisions=[
        {"date": "2023-08-01", "action": "公示", "by": "信用科"},
        {"date": "2023-09-02", "action": "撤回", "by": "信用科", "reason": "检查对象认定有误"}])
    rs[1].update(status="更正", published_on="2023-07-10", revisions=[
        {"date": "2023-07-10", "action": "公示", "by": "信用科"},
        {"date": "2023-09-05", "action": "更正", "by": "信用科", "reason": "检查结果录入错误"}])
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    task = reg / "scjgj" / "tasks" / "scjgj-2023-1.yaml"
    t = yaml.safe_load(task.read_text(encoding="utf-8"))
    t["title"] = "2023年\x1b抽查"
    task.write_text(yaml.safe_dump(t, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def pub(tmp_path_factory):
    reg = make_registry(tmp_path_factory.mktemp("reg") / "registry")
    _edit_results(reg)
    registry, problems = load_registry(reg)
    assert not [p for p in problems if p.severity == "error"], problems
    return redact(registry)


@pytest.fixture(scope="module")
def written(pub, tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    return out, [out / p for p in feeds.write_feeds(pub, out, SITE)]


def test_every_feed_parses_cleanly(written):
    out, paths = written
    xml = [p for p in paths if p.suffix in (".xml", ".atom")]
    assert len(xml) >= 2 * 4
    for p in xml:
        f = feedparser.parse(p.read_bytes())
        assert f.bozo == 0, (p, f.get("bozo_exception"))
        assert f.version == ("rss20" if p.suffix == ".xml" else "atom10")
        assert f.feed.link == SITE and any(ln.rel == "self" and ln.href.endswith(p.name) for ln in f.feed.links), p
        assert f.entries or p.stem == "warnings", p  # the warnings feed exists even while nothing is flagged
        stamps = [e.published_parsed if p.suffix == ".xml" else e.updated_parsed for e in f.entries]
        assert stamps == sorted(stamps, reverse=True)  # newest first
        assert all(e.id.startswith("tag:example.gov.cn,2017:") for e in f.entries)
        for e in f.entries:  # what a reader shows: title, text, link, id
            assert e.title and e.summary and e.link.startswith(SITE) and e.id, (p, e)
    for p in [p for p in paths if p.suffix == ".json" and p.name != "index.json"]:
        doc = json.loads(p.read_text(encoding="utf-8"))
        jsonschema.validate(doc, JSON_FEED_SCHEMA, format_checker=jsonschema.FormatChecker())
        assert all(i["date_published"].endswith("+08:00") for i in doc["items"])


def test_feed_set_and_catalog(pub, written):
    out, paths = written
    names = {p.relative_to(out / "feeds").as_posix() for p in paths}
    assert {"all.xml", "all.atom", "all.json", "dept/scjgj.xml", "dept/hbj.atom", "region/371302.json",
            "result/no-problem.xml", "index.json"} <= names
    some = next(iter(pub.results_of_task("scjgj-2023-1")))
    assert f"target/{some.target}.xml" in names
    # a company's feed is RSS only (what its page links); the others in three formats
    assert not [n for n in names if n.startswith("target/") and not n.endswith(".xml")]
    catalog = json.loads((out / "feeds" / "index.json").read_text(encoding="utf-8"))
    assert {c["key"] for c in catalog} == {n.rsplit(".", 1)[0] for n in names if n != "index.json"}
    # a region feed holds only results about targets of that region
    region = json.loads((out / "feeds" / "region" / "371311.json").read_text(encoding="utf-8"))
    for item in region["items"]:
        tid = item["content_text"].split("（", 1)[1].split("）", 1)[0]
        assert pub.targets[tid].region == "371311"


def test_an_rss_item_carries_its_text_once(written):
    """RSS: the text in <description> only (no copy in <content:encoded>); Atom: in <content>."""
    out, paths = written
    rss = [p for p in paths if p.suffix == ".xml"]
    assert any(p.parts[-2] == "target" for p in rss)
    for p in rss:
        assert b"<content:encoded>" not in p.read_bytes(), p
    items = feedparser.parse((out / "feeds" / "all.xml").read_bytes()).entries
    atom = {e.id: e for e in feedparser.parse((out / "feeds" / "all.atom").read_bytes()).entries}
    assert items and len(items) == len(atom)
    for e in items:
        assert "content" not in e and e.summary == atom[e.id].content[0].value


def test_corrections_and_withdrawals_are_entries(written):
    out, _ = written
    everything = (out / "feeds" / "all.xml").read_text(encoding="utf-8")
    assert SECRET not in everything
    f = feedparser.parse((out / "feeds" / "all.atom").read_bytes())
    by_id = {e.id: e for e in f.entries}
    withdrawal = by_id["tag:example.gov.cn,2017:result/scjgj-2023-1-r0/withdrawal"]
    assert "撤回" in withdrawal.title and "检查对象认定有误" in withdrawal.content[0].value
    assert withdrawal.updated.startswith("2023-09-02T00:00:00+08:00")
    assert "tag:example.gov.cn,2017:result/scjgj-2023-1-r0" not in by_id  # the withdrawn content is gone
    correction = by_id["tag:example.gov.cn,2017:result/scjgj-2023-1-r1/correction/1"]
    assert correction.title.startswith("【更正】") and "检查结果录入错误" in correction.content[0].value
    assert "tag:example.gov.cn,2017:result/scjgj-2023-1-r1" in by_id  # the original entry stays
    assert "抽查任务：2023年抽查" in correction.content[0].value  # the title's ESC character stripped


def test_no_control_characters_anywhere(written):
    _, paths = written
    assert len(paths) > 10
    for p in paths:
        text = p.read_text(encoding="utf-8")
        assert not any(ord(c) < 32 and c not in "\n\t\r" or 0x7F <= ord(c) <= 0x9F for c in text), p


def test_two_builds_give_identical_bytes(pub, written, tmp_path):
    out, paths = written
    again = [tmp_path / p for p in feeds.write_feeds(pub, tmp_path, SITE)]
    assert [p.relative_to(tmp_path) for p in again] == [p.relative_to(out) for p in paths]
    for a, b in zip(paths, again):
        assert a.read_bytes() == b.read_bytes(), a


def test_refuses_raw_registry(tmp_path):
    registry, _ = load_registry(make_registry(tmp_path / "r"))
    with pytest.raises(TypeError):
        feeds.write_feeds(registry, tmp_path / "out", SITE)


def test_feeds_hold_the_newest_entries_only(pub, tmp_path, monkeypatch):
    everything = feeds.entries(pub)
    monkeypatch.setattr(feeds, "MAX_ENTRIES", 5)
    feeds.write_feeds(pub, tmp_path, SITE)
    doc = json.loads((tmp_path / "feeds" / "all.json").read_text(encoding="utf-8"))
    assert [i["id"] for i in doc["items"]] == [e.id for e in everything[:5]]


def test_parallel_writing_gives_the_same_files(pub, written, tmp_path, monkeypatch):
    out, paths = written
    monkeypatch.setattr(feeds, "PARALLEL_MIN", 0)
    again = [tmp_path / p for p in feeds.write_feeds(pub, tmp_path, SITE, jobs=2)]
    assert [p.relative_to(tmp_path) for p in again] == [p.relative_to(out) for p in paths]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(paths, again))


def test_a_rebuild_makes_only_the_company_feeds_the_changed_task_reaches(tmp_path, monkeypatch):
    """After a task's files changed (a withdrawal, a correction, its title), a write with the last
    one's cache and the registry files' addresses gives the files of a cold write, yet makes the
    entries of only that task and the feeds of only the companies they are about: the others are
    the last write's, its feeds linked as it named them."""
    root = make_registry(tmp_path / "registry")

    def write(out, cache):
        reg, _ = load_registry(root, cache=False)
        return reg, [out / p for p in feeds.write_feeds(redact(reg), out, SITE, jobs=1, cache=cache,
                                                        sources=Sources(source_keys(root)[0], "code") if cache else None)]

    write(tmp_path / "first", tmp_path / "cache")
    _edit_results(root)
    made, tasks = [], []
    real, real_entries = feeds._write_one, feeds._task_entries
    monkeypatch.setattr(feeds, "_write_one", lambda pub, feed, *rest: made.append(feed.key) or real(pub, feed, *rest))
    monkeypatch.setattr(feeds, "_task_entries", lambda pub, task_id, *rest: tasks.append(task_id)
                        or real_entries(pub, task_id, *rest))
    reg, again = write(tmp_path / "again", tmp_path / "cache")
    monkeypatch.undo()
    _, cold = write(tmp_path / "cold", None)
    assert_same_files(tmp_path / "again", again, tmp_path / "cold", cold)
    named = {r.target for r in reg.results["scjgj-2023-1"].results}
    companies = {k.removeprefix("target/") for k in made if k.startswith("target/")}
    every = [p for p in cold if p.parent.name == "target"]
    assert companies and companies <= named and len(companies) < len(every) / 3, companies
    assert "changes" in made and "all" in made  # the site-wide feeds are made again (their entries changed)
    assert tasks == ["scjgj-2023-1"]  # the other tasks' entries are the last write's
