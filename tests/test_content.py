"""The narrative pages (content/*.md) quote only commands the CLI has and files the repository holds.

A page that tells citizens how to check a draw must not send them to a command or a file that does
not exist (issue 9: it quoted `ssj draw verify` and a specification file the repository lacked).
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from shuangsuiji.cli import build_parser

REPO = Path(__file__).resolve().parents[1]
PAGES = sorted((REPO / "content").glob("*.md"))
_SPAN = re.compile(r"`([^`\n]+)`")
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
_LINK = re.compile(r"\]\(([^)\s]+)\)")
TOP = {p.name for p in REPO.iterdir()} - {".git"}


def quoted(text: str) -> list[str]:
    """Inline code spans and the lines of fenced blocks."""
    lines = [ln.strip() for block in _FENCE.findall(text) for ln in block.splitlines() if ln.strip()]
    return [*lines, *_SPAN.findall(_FENCE.sub("", text))]


def _subparsers(p: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
    return next((a for a in p._actions if isinstance(a, argparse._SubParsersAction)), None)


def command_problem(words: list[str]) -> str | None:
    """Why `ssj WORDS…` is not a command of the CLI (unknown sub-command or option), or None."""
    p, rest = build_parser(words[1:]), words[1:]
    while (sub := _subparsers(p)) is not None and rest and not rest[0].startswith("-"):
        if rest[0] not in sub.choices:
            return f"{' '.join(words)}: no sub-command {rest[0]!r} (have {', '.join(sorted(sub.choices))})"
        p = sub.choices[rest.pop(0)]
    options = {s for a in p._actions for s in a.option_strings}
    bad = [w for w in rest if w.startswith("-") and w.split("=")[0] not in options]
    return f"{' '.join(words)}: unknown options {bad}" if bad else None


def cited_path(text: str) -> str | None:
    """The repository path a quoted text names (up to any <placeholder>), or None if it names none."""
    if " " in text or text.startswith(("/", "http")):
        return None
    head = text.split("<", 1)[0].rstrip("/")
    first = head.split("/", 1)[0]
    if first in TOP or (text.endswith(".md") and "/" not in text):
        return head
    return None


def commands(page: Path) -> list[list[str]]:
    return [shlex.split(q) for q in quoted(page.read_text(encoding="utf-8")) if q.startswith("ssj ") or q == "ssj"]


def test_the_pages_quote_commands():
    found = {" ".join(c[:3]) for page in PAGES for c in commands(page)}
    assert {"ssj verify --public", "ssj draw compute", "ssj validate"} <= found, found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_quoted_ssj_commands_exist(page):
    bad = [why for c in commands(page) if (why := command_problem(c))]
    assert not bad, bad


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_cited_files_exist(page):
    text = page.read_text(encoding="utf-8")
    cited = [p for q in quoted(text) if (p := cited_path(q))]
    for q in quoted(text):  # paths inside quoted commands: ssj draw compute tests/data/…
        if q.startswith("ssj "):
            cited += [p for w in shlex.split(q)[1:] if "/" in w and (p := cited_path(w))]
    missing = [p for p in cited if not ((REPO / p).exists() or (REPO / "content" / p).exists())]
    missing += [t for t in _LINK.findall(text) if t.endswith(".md") and not (page.parent / t).is_file()]
    assert not missing, missing


def test_the_checker_catches_what_the_old_verify_page_said():
    assert command_problem(["ssj", "draw", "verify", "<任务编号>"])
    assert command_problem(["ssj", "verify", "--pubic", "x.json"])
    assert command_problem(["ssj", "verify", "--public", "x.json"]) is None
    assert cited_path("draw.md") == "draw.md" and not (REPO / "draw.md").exists()
    assert cited_path("registries/<部门编号>/") == "registries"
    assert cited_path("/api/tasks/<任务编号>.json") is None
