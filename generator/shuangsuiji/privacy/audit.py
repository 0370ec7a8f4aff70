"""Leak audit: prove that no private or withheld value of the registry is in the built site.

Collects every value the models declare private, every withheld value no approval
releases, the raw form of every masked value, the personal data found in free text,
the content of unpublished results, stratum keys and the tickets of targets that were
not selected; then scans every byte of every output file (HTML, JSON, CSV, XLSX and
other zips, gzip'd sitemaps and pagefind shards, decompressed) for them, raw and
normalised (full-width folded; spaces and punctuation removed; JSON `\\uXXXX` and HTML
`&#…;` escapes decoded; GB18030 files decoded). The credit class itself is a single
letter and cannot be searched for, so outputs are also checked structurally: no key
or label that carries a credit class, no stratum key such as `371302|C`.

Matching: each value set is one Aho–Corasick automaton (`pyahocorasick`), built once
and run in C over each file; every occurrence is found, overlapping ones included.
pyahocorasick looks a node's children up linearly, and a root with thousands of CJK
first characters is slow, so the normalised text is matched as its UTF-8 bytes (a `str`
of code points 0–255: at most 256 children a node, and UTF-8 synchronises itself, so a
needle matches only at a character boundary). Numbers must stand alone (digit
look-arounds, as in `freetext`), which keeps 11-digit phones from matching inside
long digit runs by chance; a year-month (出生年月) is searched as it is written (1985-06,
1985年6月, not followed by a day), since as a six-digit number it equals file sizes and
counts. A private value that is also a public value (an operator's
name that is the name of a 个体工商户, an inspector who shares a name with a person)
is exempt: the audit cannot tell the two apart and the public one is legitimately shown.

A second net does not depend on the registry's values at all (`shape_leaks`): every decoded
output text is searched for the shapes of ID numbers, bank cards, mobiles and personal e-mails,
so a value the redaction missed (a field wrongly declared pii-free, a template printing a raw
record) fails the build; only contacts the registry declares public are exempt.

What is reported is the file and the kind of value (`Target.phone`, or a shape with its masked
form), never the value.

Record pages share their shell (header, navigation, footer): given the shell's literal pieces
(`Shells`), the audit scans each piece once and, of a page that is exactly those pieces around its
own parts, only the parts, each with a margin of the pieces beside it (`_own_parts`); a page that
does not fit is scanned whole, so every byte is still looked at.

A rebuild audits only what changed: with a cache folder, the keys of the files found clean
(BLAKE2b of path and bytes) are kept under the digest of the needle set and this audit's code
(`needles_digest`); a file whose key is there is not scanned again. Any change in the private
values, the public exemptions or the code gives another digest and so a full audit.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import html
import io
import json
import os
import pickle
import re
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Literal, get_args, get_origin

import ahocorasick
from pydantic import BaseModel

from shuangsuiji.core.codes import check_uscc, uscc_kind
from shuangsuiji.core.unitmemo import UnitMemo, keep_stamped, read_kept, read_stamped, settled, signature
from shuangsuiji.core.workers import fork_map, shared
from shuangsuiji.core.yamlio import atomic_write_bytes
from shuangsuiji.registry import freetext
from shuangsuiji.registry.freetext import (FOLD, KINDS_ZH, NO_CONTACTS, NameIndex, PublicContacts, contact_key, find_hits,
                                           id_shape, name_index, public_contacts, shape_hits)
from shuangsuiji.registry.load import Units
from shuangsuiji.registry.models.base import PUBLISHED_STATUSES, Visibility, check_slug
from shuangsuiji.privacy.redact import PublicRegistry, released, approval_key, public_strings, redact, rules_of

# Normalisation: full-width letters and digits folded to ASCII; whitespace and punctuation
# (ASCII, full-width and CJK) removed. ASCII goes through bytes.translate, the fastest path.
_ASCII_DROP = bytes(c for c in range(0x21, 0x7F) if not chr(c).isalnum()) + b" \t\r\n\f\v"
_WIDE_DROP = ("\u00a0\u3000、。〈〉《》「」『』【】〔〕〖〗“”‘’…·\u2010\u2011\u2012\u2013\u2014\u2015\u2022\u30fb"
              + "".join(chr(c) for c in range(0xFF01, 0xFF5F) if not chr(c - 0xFEE0).isalnum()))
_WIDE_DROP_RE = re.compile("[" + re.escape(_WIDE_DROP) + "]+")
_FW_ALNUM = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_DIGITISH = re.compile(r"[0-9]+[Xx]?")
_DIGIT_SEP = re.compile(r"(?<=[0-9])[ \-‐‑–—.·]+(?=[0-9])")
_JSON_ESC = re.compile(r"\\u([0-9a-fA-F]{4})")
_YEAR_MONTH = re.compile(r"((?:19|20)[0-9]{2})-(0[1-9]|1[0-2])")
_DATE_GOES_ON = re.compile(r"[-./－．／]?[0-9]")  # 1985-06 inside 1985-06-12 or 1985.06.12 is another date

# Structural checks: a credit class needs no value to leak, only a key or label next to a class.
_CREDIT_KEY = re.compile(r"[\"'](?:credit_?class|creditClass|credit_level|risk_?class|risk_?level|riskLevel|"
                         r"stratum(?:_key)?|strata_key|credit_flags|风险等级|信用等级|信用状况|信用风险(?:等级|分类)?|"
                         r"信用标记|子库标签)[\"']\s*:")
_CREDIT_LABEL = re.compile(r"(?:风险等级|信用等级|信用风险(?:等级|分类)?|信用状况|风险分类)\s*[:：]?\s*(?:<[^<>]{0,120}>\s*){0,4}"
                           r"(?:[A-D](?:类|级)?(?![A-Za-z0-9])|低风险|一般风险|较高风险|高风险)")
_CSV_HEADER = re.compile(r"(?:^|,)\"?(?:credit_class|风险等级|信用等级|信用状况|flags|tags|stratum)\"?(?:,|$)", re.M)
_STRATUM_KEY = re.compile(r"[0-9]{6}\|(?:[A-D](?![A-Za-z0-9])|低|一般|较高|高|重点)")  # digit before: see _structural

MIN_DIGITS = 6  # 邮编-length numbers and shorter are everywhere
MIN_CJK = 3  # two-character names collide with ordinary words (高明, 文华); freetext still masks them
MIN_ASCII = 6


@dataclass(frozen=True, order=True)
class Leak:
    file: str  # relative to the site; "a.xlsx!xl/sharedStrings.xml" for a member of an archive
    kind: str  # what leaked: "Target.phone", "credit-class key", …; never the value


# --- collecting the values -------------------------------------------------------------------

@functools.cache  # annotations are hashable; a city's collection asks ~10⁶ times
def _is_vocab(annotation: Any) -> bool:
    """Literal vocabularies (性别, A–D, 经营异常名录…), slugs and non-text types: too common to search."""
    if get_origin(annotation) is Literal:
        return True
    meta = getattr(annotation, "__metadata__", ())
    if any(getattr(m, "func", None) is check_slug for m in meta):
        return True
    args = get_args(annotation)
    return bool(args) and all(_is_vocab(a) or a is type(None) for a in args)


@functools.cache
def _item_type(annotation: Any) -> Any:
    inner = get_args(annotation)
    return inner[0] if len(inner) == 1 else Any


def _leaves(v: Any, annotation: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(sub-path, string) leaves of a value, skipping vocabulary-typed ones."""
    if isinstance(v, str):
        if not _is_vocab(annotation):
            yield path, v
    elif isinstance(v, BaseModel):
        d = v.__dict__
        for r in rules_of(type(v)):
            yield from _leaves(d[r.name], r.annotation, f"{path}.{r.name}")
    elif isinstance(v, (list, tuple)):
        inner = _item_type(annotation)
        for x in v:
            yield from _leaves(x, inner, path)
    elif isinstance(v, dict):
        for x in v.values():
            yield from _leaves(x, Any, path)


class _Collector:
    def __init__(self, released: set[tuple[str, str]], names: NameIndex, contacts: PublicContacts):
        self.values: list[tuple[str, str, bool]] = []  # (value, kind, raw_only)
        self.in_text: list[tuple[str, str, bool]] = []  # found in public free text: named after their field last
        self.released = released
        self.names = names
        self.contacts = contacts

    def add(self, value: str, kind: str, raw_only: bool = False) -> None:
        self.values.append((value, kind, raw_only))

    def record(self, rec: BaseModel, key: str | None = None, everything: bool = False) -> None:
        """Collect a record's non-public values; `everything`: the whole record is unpublished."""
        key = approval_key(rec) or key
        model = type(rec).__name__
        d = rec.__dict__
        for r in rules_of(type(rec)):
            v = d[r.name]
            kind = f"{model}.{r.name}"
            hidden = (r.vis in (Visibility.PRIVATE, Visibility.MASKED)
                      or (r.vis is Visibility.WITHHELD and d.get("type") not in r.public_for_types
                          and (key, r.name) not in self.released))
            if hidden or (everything and r.text):
                for sub, s in _leaves(v, r.annotation):
                    self.add(s, kind + sub)
            elif isinstance(v, BaseModel):
                self.record(v, key, everything)
            elif isinstance(v, (list, tuple)):
                for x in v:
                    if isinstance(x, BaseModel):
                        self.record(x, key, everything)
            if r.text and isinstance(v, str) and not hidden:
                for h in find_hits(v, self.names, self.contacts):  # personal data typed into a public text
                    self.in_text.append((v[h.start:h.end], f"{kind} ({h.kind} in free text)", False))


def _draw_scope(d) -> set[str]:
    """The targets a draw names: those it drew and its candidates."""
    ids = set(d.drawn() or ())
    cand = d.tables.get("candidates")
    if cand:
        ids.update(line.split(b"\t", 1)[0].decode("utf-8", "replace") for line in cand.splitlines() if line)
    return ids


def _draw_secrets(c: "_Collector", d) -> None:
    """A draw's files, its stratum keys and its selection tickets."""
    for rec in (d.sources, d.events, d.ceremony, d.conflicts):
        if rec is not None:
            c.record(rec)
    record = d.record if isinstance(d.record, dict) else {}
    manifest = record.get("manifest") if isinstance(record.get("manifest"), dict) else d.manifest or {}
    keys = set(manifest.get("ratios", {}) if isinstance(manifest.get("ratios"), dict) else ())
    private = record.get("private") if isinstance(record.get("private"), dict) else {}
    for strata in (record.get("strata"), private.get("strata")):
        if isinstance(strata, dict):
            keys.update(strata)
    cand = d.tables.get("candidates") or b""
    keys.update(line.split(b"\t")[1].decode("utf-8", "replace")
                for line in cand.splitlines() if line.count(b"\t") == 1)
    for k in sorted(keys):
        c.add(k, "stratum key", raw_only=True)
    # Selection tickets are never published: a selected target's ticket hints at its stratum's ratio.
    tickets = record.get("tickets") if isinstance(record.get("tickets"), dict) else {}
    for _, ticket in sorted(tickets.items()):
        if isinstance(ticket, str):
            c.add(ticket, "selection ticket")


def collect_values(registry, all_targets: bool = False, names: NameIndex | None = None,
                   memo: UnitMemo | None = None, units: Units | None = None) -> list[tuple[str, str, bool]]:
    """(value, kind, raw_only) of everything that must never be published.

    Targets: those named by a result, a draw (candidates included) or a task, the ones a
    page can ever be about; `all_targets` adds the whole directory (slower on a city).
    `names`: the registry's `name_index`, when the caller has it. With a `memo` (its context: the
    code and `redact.masking_digest`), the values of the targets, results files and draw files that
    did not change are taken from the last build's audit.
    """
    c = _Collector(released(registry), name_index(registry) if names is None else names, public_contacts(registry))
    memo = memo or UnitMemo(None, "")
    units = units or Units(registry)

    def unit(key: str | None, fill: Callable[["_Collector"], None]) -> None:
        """Collect one unit (`fill` runs only when the memo does not hold its values)."""
        def make() -> tuple[list, list]:
            one = _Collector(c.released, c.names, c.contacts)
            fill(one)
            return one.values, one.in_text
        values, in_text = memo.get(key, make)
        c.values += values
        c.in_text += in_text

    for rec in (registry.config, *registry.regions.values(), *registry.departments.values(),
                *registry.dept_configs.values(), *registry.item_lists.values(), *registry.matters.values(),
                *registry.inspector_files.values(), *registry.liaisons.values(), *registry.plans.values(),
                *registry.tasks.values(), *registry.approvals.values()):
        c.record(rec)
    for task_id, f in sorted(registry.results.items()):
        o = registry.origin("results", task_id)
        unit(units.file(o.rel if o else None),
             lambda one: [one.record(r, everything=r.status not in PUBLISHED_STATUSES) for r in f.results])
    scope = {r.target for _, _, r in registry.all_results()}
    for task_id, d in registry.draws.items():
        key = units.draw(d.dept, task_id)
        scope.update(memo.get(key and f"scope:{key}", lambda: _draw_scope(d)))
    for t in registry.tasks.values():
        scope.update(t.fixed_targets)
    targets = registry.targets
    for tid in sorted(targets) if all_targets else sorted(scope):
        if tid in targets:
            unit(units.target(tid), lambda one: one.record(targets[tid]))
    for task_id, d in sorted(registry.draws.items()):
        unit(units.draw(d.dept, task_id), lambda one: _draw_secrets(one, d))
    return c.values + c.in_text


def fold(s: str) -> str:
    """Full-width letters and digits → ASCII (rare, so only the runs that hold them are translated)."""
    return _FW_ALNUM.sub(lambda m: m.group().translate(FOLD), s) if _FW_ALNUM.search(s) else s


def _strip(folded: str) -> str:
    b = folded.encode("utf-8", "surrogatepass").translate(None, _ASCII_DROP)
    return _WIDE_DROP_RE.sub("", b.decode("utf-8", "surrogatepass"))


def normalise(s: str) -> str:
    """Folded, without whitespace and punctuation (ASCII, full-width and CJK)."""
    return _strip(fold(s))


@dataclass
class Needles:
    """The values to search for, by matcher, each mapped to its kind."""

    text: dict[str, str]  # normalised, searched in normalised output
    digits: dict[str, str]  # digit strings, searched standing alone
    raw: dict[str, str]  # searched as they are (stratum keys)
    months: dict[str, str] = field(default_factory=dict)  # written forms of a year-month, not inside a date
    exempt: int = 0  # values left out because they are also public
    contacts: PublicContacts = NO_CONTACTS  # personal-data shapes the registry declares public (`shape_leaks`)

    def __len__(self) -> int:
        return len(self.text) + len(self.digits) + len(self.raw) + len(self.months)

    @property
    def longest(self) -> int:
        """Characters of the longest value searched for."""
        return max((len(v) for d in (self.text, self.digits, self.raw, self.months) for v in d), default=0)


NEEDLES = "needles.pickle"  # in an audit's cache folder: the last needles, their values and the public strings


def _needles(values: Iterable[tuple[str, str, bool]], contacts: PublicContacts) -> Needles:
    """The values as searched for (normalised, by matcher), none exempt yet."""
    text: dict[str, str] = {}
    digits: dict[str, str] = {}
    raw: dict[str, str] = {}
    months: dict[str, str] = {}
    for value, kind, raw_only in values:
        if raw_only:
            v = fold(value).strip()
            if len(v) >= 4:
                raw.setdefault(v, kind)
            continue
        if ym := _YEAR_MONTH.fullmatch(value.strip()):
            # 出生年月 1985-06 normalised is a 6-digit number any byte count can equal: search how it is written
            y, m = ym.groups()
            for sep in "-./－．／":  # full-width punctuation is not folded (only letters and digits are)
                months.setdefault(f"{y}{sep}{m}", kind)
                months.setdefault(f"{y}{sep}{int(m)}", kind)
            months.setdefault(f"{y}年{m}月", kind)
            months.setdefault(f"{y}年{int(m)}月", kind)
            continue
        n = normalise(value)
        if _DIGITISH.fullmatch(n):
            if len(n) >= MIN_DIGITS:
                digits.setdefault(n.upper(), kind)
        elif _CJK.search(n):
            if len(n) >= MIN_CJK:
                text.setdefault(n, kind)
        elif len(n) >= MIN_ASCII:
            text.setdefault(n, kind)
    return Needles(text, digits, raw, months, contacts=contacts)


def _found(needles: Needles, strings: Iterable[str]) -> set[tuple[str, str]]:
    """(matcher, needle) of the needles found in any of `strings`."""
    corpus = "\x00".join(strings)  # a separator normalisation keeps: no match across two values
    return {(m, v) for m, v, _ in _Scanner(needles).scan_text(fold(corpus))} if corpus and len(needles) else set()


def _only(needles: Needles, which: set[tuple[str, str]]) -> Needles:
    return Needles(*({v: k for v, k in getattr(needles, m).items() if (m, v) in which}
                     for m in ("text", "digits", "raw", "months")), contacts=needles.contacts)


def build_needles(values: Iterable[tuple[str, str, bool]], public: Iterable[str] = (),
                  contacts: PublicContacts = NO_CONTACTS, memo: Path | None = None) -> Needles:
    """What to search the site for: the private values, less those that are also public (`public`).

    With a `memo` file (it holds private values: it lives in the build's cache, never in the site),
    the last build's needles are used again when the values are the same; then only the public
    strings added since are searched for needles, and the needles found in public strings removed
    since are looked for again (a change of a private value makes all again)."""
    values = list(values)
    public = set(public)
    key = hashlib.sha256(repr((values, sorted(contacts.domains), sorted(contacts.values))).encode("utf-8")).digest()
    last = read_stamped(memo, key) if memo is not None else None
    if isinstance(last, tuple) and len(last) == 3:
        whole, exempt, before = last
        lost = _found(whole, before - public) if before - public else set()
        exempt = (exempt - lost) | _found(_only(whole, lost), public) | _found(whole, public - before)
    else:
        whole = _needles(values, contacts)
        exempt = _found(whole, public)
    if memo is not None:
        keep_stamped(memo, key, (whole, exempt, public))
    needles = _only(whole, {(m, v) for m in ("text", "digits", "raw", "months") for v in getattr(whole, m)} - exempt)
    needles.exempt = len(exempt)
    return needles


def _utf8(s: str) -> str:
    """The UTF-8 bytes of `s` as a str of code points 0–255 (see the module docstring)."""
    return s.encode("utf-8", "surrogatepass").decode("latin-1")


def _automaton(words: Iterable[tuple[str, str]]) -> ahocorasick.Automaton | None:
    """An automaton of (key searched for, needle reported) pairs; None when there are none."""
    a = ahocorasick.Automaton()
    for key, needle in words:
        a.add_word(key, needle)
    if not len(a):
        return None
    a.make_automaton()
    return a


_ASCII_DIGITS = frozenset("0123456789")


class _Scanner:
    """The automata of one needle set."""

    def __init__(self, needles: Needles):
        self.needles = needles
        self.text_ac = _automaton((_utf8(v), v) for v in sorted(needles.text))
        # Digit needles are upper case; a trailing X (ID numbers) is also searched as x.
        self.digit_ac = _automaton((k, v) for v in sorted(needles.digits)
                                   for k in ((v, v[:-1] + "x") if v.endswith("X") else (v,)))
        self.raw_ac = _automaton((v, v) for v in sorted(needles.raw))
        self.month_ac = _automaton((v, v) for v in sorted(needles.months))

    def scan_text(self, folded: str) -> set[tuple[str, str, str]]:
        """(matcher, needle, kind) found in a decoded text, already `fold`ed."""
        out: set[tuple[str, str, str]] = set()
        if self.raw_ac:
            out.update(("raw", v, self.needles.raw[v]) for _, v in self.raw_ac.iter(folded))
        if self.month_ac:
            for end, v in self.month_ac.iter(folded):
                start = end + 1 - len(v)
                if (start == 0 or not folded[start - 1].isdigit()) and not _DATE_GOES_ON.match(folded, end + 1):
                    out.add(("months", v, self.needles.months[v]))
        if self.digit_ac:
            joined, n = _DIGIT_SEP.subn("", folded)
            for t in (folded, joined) if n else (folded,):
                size = len(t)
                for end, v in self.digit_ac.iter(t):
                    start = end + 1 - len(v)
                    if ((start == 0 or not t[start - 1].isdigit())
                            and (end + 1 == size or t[end + 1] not in _ASCII_DIGITS)):
                        out.add(("digits", v, self.needles.digits[v]))
        if self.text_ac:
            out.update(("text", v, self.needles.text[v]) for _, v in self.text_ac.iter(_utf8(_strip(folded))))
        return out


# --- reading the site --------------------------------------------------------------------------

_FW_ALNUM_UTF8 = re.compile(rb"\xef(?:\xbc[\x90-\x99\xa1-\xba]|\xbd[\x81-\x9a])")


def _decode(data: bytes) -> str:
    """The text of a file, escapes decoded and full-width letters and digits folded."""
    wide = _FW_ALNUM_UTF8.search(data) is not None  # the fold is slow: only when needed
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        wide = True
        try:
            text = data.decode("gb18030")  # spreadsheet-friendly CSVs are often GBK
        except UnicodeDecodeError:
            text = data.decode("utf-8", "replace")
    if "\\u" in text:
        wide = True
        text = _JSON_ESC.sub(lambda m: chr(int(m.group(1), 16)), text)
    if "&" in text:
        wide = wide or "&#" in text
        text = html.unescape(text)
    return fold(text) if wide else text


def _expand(name: str, data: bytes, depth: int = 0) -> Iterator[tuple[str, bytes]]:
    """The file's bytes, and the decompressed contents of gzip streams and zip archives (xlsx)."""
    if depth < 3 and data[:2] == b"\x1f\x8b":
        try:
            yield from _expand(name + "!gunzip", gzip.decompress(data), depth + 1)
            return
        except (OSError, EOFError, zlib.error):
            pass
    if depth < 3 and data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for info in sorted(z.infolist(), key=lambda i: i.filename):
                    if not info.is_dir():
                        yield from _expand(f"{name}!{info.filename}", z.read(info), depth + 1)
            return
        except (zipfile.BadZipFile, OSError, zlib.error, EOFError):
            pass
    yield name, data


_CREDIT_WORDS = ("credit", "Credit", "risk", "stratum", "strata", "风险", "信用", "子库")


def _structural(name: str, text: str) -> Iterator[str]:
    if "|" in text and any(m.start() == 0 or not text[m.start() - 1].isdigit() for m in _STRATUM_KEY.finditer(text)):
        yield "stratum key (region|class)"
    if not any(w in text for w in _CREDIT_WORDS):  # `in` is a fast scan; the patterns below are not
        return
    if _CREDIT_KEY.search(text):
        yield "credit-class key"
    if _CREDIT_LABEL.search(text):
        yield "credit-class label"
    if name.lower().endswith(".csv") and _CSV_HEADER.search(text[:4096].split("\n", 1)[0]):
        yield "credit-class column"


# --- the second net: personal data by its shape, whatever the registry says -----------------

# A run of digits and separators (138 1234 5678) at least 11 long, an ID's X at its end: a cheap
# superset of the shapes (a charset-led pattern, scanned in C), each run then examined by `shape_hits`.
_NUM_RUN = re.compile(r"[0-9][0-9 \-\u2010\u2011\u2013\u2014]{9,}[0-9Xx]")
_SEPARATORS = re.compile(r"[ \-\u2010\u2011\u2013\u2014]")
_SHAPE_LENGTHS = frozenset({11, 13, 16, 17, 18, 19})  # mobile, 86+mobile, cards, ID numbers


def _may_be_shape(run: str) -> bool:
    """A necessary condition, checked before `shape_hits`: a run without separators is a whole
    number of a shape's length, and a number starting with 9 can only be a 955x card (USCCs and
    registration numbers start with 9 and are everywhere on the site)."""
    if _SEPARATORS.search(run):
        return True
    if len(run) == 18 and _is_uscc(run.upper()):  # 社会组织 (5…), 机关 (1…): their codes are all digits too
        return False
    return len(run) in _SHAPE_LENGTHS and (run[0] != "9" or run.startswith("955"))


def _is_uscc(code: str) -> bool:
    """A well-formed USCC (check character right, a GB 32100 authority and type) that is not also an ID number."""
    return check_uscc(code) is None and uscc_kind(code) is not None and id_shape(code) is None
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_CODE_SUFFIXES = (".js", ".mjs", ".css", ".map")  # the theme's code: its licence headers name their authors
# An asset named like an address (icon@2x.png) is a file, not an e-mail.
_FILE_SUFFIXES = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "css", "js", "mjs", "json", "html", "htm",
                            "xml", "pdf", "woff", "woff2", "ttf", "txt", "csv", "xlsx", "gz"})


def shape_leaks(text: str, contacts: PublicContacts = NO_CONTACTS, name: str = "") -> set[str]:
    """ID numbers (mistyped ones too), bank cards, mobiles and personal e-mails in a decoded,
    folded output text, each named by its kind and masked form, never the value. Independent of
    the registry's values: it catches what the redaction missed. A digit run glued to an ASCII
    letter or digit is part of a code (a USCC, a hash, a signature, base64), not a number someone
    typed; a card is recognised by its issuer prefix only (digit runs joined across separators
    pass the Luhn check one time in ten); e-mails are not searched in script and style files."""
    out: set[str] = set()
    size = len(text)
    for m in _NUM_RUN.finditer(text):
        s, e = m.span()
        if (s and text[s - 1] in _ALNUM) or (e < size and text[e] in _ALNUM) or not _may_be_shape(m.group()):
            continue
        out.update(f"{KINDS_ZH[h.kind]} {h.masked}（按形态识别 / by shape）"
                   for h in shape_hits(m.group(), contacts, emails=False, luhn=False))
    if "@" in text and not name.lower().endswith(_CODE_SUFFIXES):
        out.update(f"{KINDS_ZH[h.kind]} {h.masked}（按形态识别 / by shape）"
                   for h in shape_hits(text, contacts, numbers=False)
                   if text[h.start:h.end].rpartition(".")[2].lower() not in _FILE_SUFFIXES)
    return out


PARALLEL_BYTES = 64 << 20  # below this a site is scanned in one process (forking costs more)
_KEY_BYTES = 20


def file_key(name: str, data: bytes) -> bytes:
    """What an audit's verdict on a file (or an archive member) depends on besides the needles: its
    bytes and its suffix (the rules for code and CSV files); not its folder, so a table and its copy
    in a year's zip share one verdict."""
    suffix = name.rsplit("/", 1)[-1].rsplit("!", 1)[-1].rpartition(".")[2].lower()
    h = hashlib.blake2b(suffix.encode("utf-8") + b"\0", digest_size=_KEY_BYTES)
    h.update(data)  # not concatenated: a city's site is 700 MB, each byte hashed in every rebuild
    return h.digest()


def _scan_part(name: str, data: bytes, scanner: "_Scanner", known: frozenset[bytes] = frozenset(),
               clean: list[bytes] | None = None) -> set[Leak]:
    """The leaks in `data` and the members it holds (gzip, zip). A member found clean before (`known`,
    by `file_key`) is not scanned again: a year's zip holds the year's tables, mostly unchanged; the
    keys of members found clean go to `clean`."""
    found: set[Leak] = set()
    for member, part in _expand(name, data):
        key = file_key(member, part) if member != name else None
        if key is not None and key in known:
            clean.append(key)
            continue
        text = _decode(part)
        leaks = {Leak(member, kind) for _, _, kind in scanner.scan_text(text)}
        leaks.update(Leak(member, kind) for kind in _structural(member, text))
        # Pagefind's fragments split codes at letter/digit bounds with zero-width spaces: joined
        # again, 5137…3857\u200bXG is the code it is, not a card number standing alone
        shapes = text.replace("\u200b", "") if "\u200b" in text else text
        leaks.update(Leak(member, kind) for kind in shape_leaks(shapes, scanner.needles.contacts, member))
        if leaks:
            found |= leaks
        elif key is not None and clean is not None:
            clean.append(key)
    return found


# --- page shells: the bytes every record page shares are scanned once ------------------------------

SHELL_MARGIN = 640  # characters, at least, of a shell piece scanned with the page part next to it (a credit label may stand 4 tags before its class)


def _margin(piece: str, kept: int, from_end: bool) -> int:
    """UTF-8 bytes at one edge of a shell piece that a value touching the page's own part could
    reach into: enough characters to hold `kept` letters, digits or CJK characters (what survives
    normalisation), and SHELL_MARGIN at least."""
    n = 0
    chars = piece[::-1] if from_end else piece
    for i, ch in enumerate(chars, 1):
        n += ch.isalnum()
        if n >= kept and i >= SHELL_MARGIN:
            edge = chars[:i]
            return len(edge.encode("utf-8"))
    return len(piece.encode("utf-8"))


@dataclass(frozen=True)
class Shells:
    """The record-page shell (site/render/shell.py) per page depth: its literal pieces in order,
    None where a page puts its own text (title, address, feed links, body). Each piece is scanned
    once; a page that is exactly the pieces around its own parts has only those parts scanned,
    each with the `_margin` of the pieces beside it, so a value can neither hide in the shell nor
    straddle its edge. A page that does not fit its shell is scanned whole."""

    layouts: dict[int, tuple[str | None, ...]]

    def prepared(self, kept: int) -> dict[int, list[tuple[bytes, int, int] | None]]:
        """Per depth: (piece bytes, margin at its start, margin at its end) or None for a page's part."""
        return {depth: [None if p is None else (p.encode("utf-8"), _margin(p, kept, False), _margin(p, kept, True))
                        for p in layout] for depth, layout in self.layouts.items()}


def _own_parts(data: bytes, layout: list[tuple[bytes, int, int] | None]) -> list[bytes] | None:
    """The page's own parts with the margins around them, or None when the page does not fit the layout."""
    spans: list[list[int]] = []
    pos, gap = 0, None  # gap: the start of the page's part being read (None: a piece must follow at once)
    last = None  # the piece before the part being read
    for item in layout:
        if item is None:
            gap = pos if gap is None else gap
            continue
        piece, left, right = item
        at = data.find(piece, pos) if gap is not None else (pos if data.startswith(piece, pos) else -1)
        if at < 0:
            return None
        if gap is not None:
            spans.append([gap - (last[2] if last else 0), at + left])
        pos, gap, last = at + len(piece), None, item
    if gap is not None:
        spans.append([gap - (last[2] if last else 0), len(data)])
    elif pos != len(data):
        return None
    merged: list[list[int]] = []
    for a, b in spans:
        while a > 0 and data[a] & 0xC0 == 0x80:  # whole characters
            a -= 1
        while b < len(data) and data[b] & 0xC0 == 0x80:
            b += 1
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([max(a, 0), b])
    return [data[a:b] for a, b in merged]


def _scan_files(rels: list[str]) -> tuple[list[Leak], list[bytes], list[tuple[str, bytes]]]:
    """The leaks in `rels`, the keys of the files found clean (scanned now, or before: `clean`) and
    each file's key."""
    root, scanner, known, shells = shared()["root"], shared()["scanner"], shared()["clean"], shared()["shells"]
    leaks: set[Leak] = set()
    clean: list[bytes] = []
    keys: list[tuple[str, bytes]] = []
    for rel in rels:
        with open(os.path.join(root, rel), "rb") as f:
            data = f.read()
        key = file_key(rel, data)
        keys.append((rel, key))
        if key in known:
            clean.append(key)
            continue
        layout = shells.get(rel.count("/")) if rel.endswith(".html") else None
        parts = _own_parts(data, layout) if layout else None
        found: set[Leak] = set()
        for part in parts if parts is not None else (data,):
            found |= _scan_part(rel, part, scanner, known, clean)
        if found:
            leaks |= found
        else:
            clean.append(key)
    return sorted(leaks), clean, keys


def site_stats(site_dir: Path, skip: tuple[str, ...] = ()) -> dict[str, os.stat_result]:
    """Every file under site_dir, relative and sorted, with its `stat`; `skip`: top-level names left
    out (a mirror's .git). One walk with `scandir`."""
    out: dict[str, os.stat_result] = {}
    stack = [("", str(site_dir))]
    while stack:
        prefix, folder = stack.pop()
        with os.scandir(folder) as it:
            for e in it:
                rel = prefix + e.name
                if not prefix and e.name in skip:
                    continue
                if e.is_dir(follow_symlinks=False):
                    stack.append((rel + "/", e.path))
                elif e.is_file(follow_symlinks=False):
                    out[rel] = e.stat(follow_symlinks=False)
    return dict(sorted(out.items()))


def site_sizes(site_dir: Path, skip: tuple[str, ...] = ()) -> dict[str, int]:
    """Every file under site_dir, relative and sorted, with its size."""
    return {rel: st.st_size for rel, st in site_stats(site_dir, skip).items()}


def site_files(site_dir: Path, skip: tuple[str, ...] = ()) -> list[str]:
    """Every file under site_dir, relative, sorted; `skip`: top-level names left out (a mirror's .git)."""
    return list(site_sizes(site_dir, skip))


def needles_digest(needles: Needles) -> str:
    """The needle set and the code that searches for it: a cached verdict holds only under the same digest."""
    h = hashlib.sha256()
    for source in (__file__, freetext.__file__):
        h.update(Path(source).read_bytes())
    for name in ("text", "digits", "raw", "months"):
        h.update(json.dumps(sorted(getattr(needles, name).items()), ensure_ascii=False).encode("utf-8"))
    h.update(json.dumps([list(needles.contacts.domains), sorted(needles.contacts.values)]).encode("utf-8"))
    return h.hexdigest()


def _read_clean(cache: Path | None, digest: str) -> frozenset[bytes]:
    f = cache / f"{digest}.clean" if cache else None
    if f is None or not f.is_file():
        return frozenset()
    data = f.read_bytes()
    return frozenset(data[i:i + _KEY_BYTES] for i in range(0, len(data) - _KEY_BYTES + 1, _KEY_BYTES))


def _write_clean(cache: Path, digest: str, keys: set[bytes]) -> None:
    """Keep this build's clean keys only (the cache stays the size of one site), under its digest only."""
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".{digest}.{os.getpid()}.tmp"
    tmp.write_bytes(b"".join(sorted(keys)))
    os.replace(tmp, cache / f"{digest}.clean")
    for old in cache.glob("*.clean"):
        if old.name != f"{digest}.clean":
            old.unlink()


STAT_KEYS = "stat.keys.pickle"  # in an audit's cache folder: the key of each file of the last audit, by its stat


def audit_files(site_dir: Path, needles: Needles, jobs: int | None = None, skip: tuple[str, ...] = (),
                cache: Path | None = None, listing: dict[str, os.stat_result] | None = None,
                shells: Shells | None = None, digest: str | None = None) -> list[Leak]:
    """Scan every file under site_dir, in parallel processes for big sites; with a `cache` folder,
    only the files not found clean before by an audit with the same needles and code (a file whose
    stat the last audit saw is known by the key it had then, without being read). `listing`: the
    `site_stats` of site_dir when the caller has it already; `shells`: the record-page shell;
    `digest`: the `needles_digest` when the caller has it (the build makes it with the needles)."""
    now = time.time_ns()
    listing = site_stats(site_dir, skip) if listing is None else listing
    scanner = _Scanner(needles)
    layouts = shells.prepared(needles.longest + 8) if shells else {}
    out: set[Leak] = set()
    for depth, layout in sorted(layouts.items()):
        for item in layout:
            if item is not None:
                out |= _scan_part(f"（记录页面外壳 / record-page shell, depth {depth}）", item[0], scanner)
    digest = (digest or needles_digest(needles)) if cache else ""
    known = _read_clean(cache, digest)
    last = read_kept(cache / STAT_KEYS) if cache else None
    last = last if isinstance(last, dict) else {}
    ok: set[bytes] = set()
    keys: dict[tuple, bytes] = {}
    todo: dict[str, int] = {}
    for rel, st in listing.items():
        sig = signature(st)
        key = last.get(sig)
        if key is not None and key in known:
            ok.add(key)
            keys[sig] = key
        else:
            todo[rel] = st.st_size
    jobs = jobs or os.cpu_count() or 1
    if jobs < 2 or sum(todo.values()) < PARALLEL_BYTES:
        jobs, chunks = 1, [list(todo)]
    else:  # interleave by size so both workers get a similar share of bytes
        by_size = sorted(todo, key=lambda r: -todo[r])
        chunks = [by_size[i::jobs * 8] for i in range(jobs * 8)]
    for leaks, clean, hashed in fork_map(_scan_files, chunks, jobs, root=str(site_dir), scanner=scanner,
                                         clean=known, shells=layouts):
        out.update(leaks)
        ok.update(clean)
        # as git does with "racily clean" files: one modified just before could change again unseen
        keys.update((signature(listing[rel]), key) for rel, key in hashed if settled(listing[rel], now))
    if cache:
        _write_clean(cache, digest, ok)
        atomic_write_bytes(cache / STAT_KEYS, pickle.dumps(keys, protocol=pickle.HIGHEST_PROTOCOL))
    return sorted(out)


def declared_public_shapes(registry) -> PublicContacts:
    """What the shape scan lets through: the contacts `config.privacy` declares public (and its
    organisational e-mail domains), and the random numbers a draw's seed sources published (dice, lottery).
    Nothing is exempt because of where it was typed: a personal e-mail in rules.md is still a leak."""
    declared = public_contacts(registry)
    keys = set(declared.values)
    for d in registry.draws.values():
        for v in (d.sources.sources if d.sources is not None else ()):
            keys.update(contact_key(v.value[h.start:h.end]) for h in shape_hits(v.value.translate(FOLD), emails=False))
    return PublicContacts(declared.domains, frozenset(keys))


def needles_for(registry, pub: PublicRegistry | None = None, all_targets: bool = False,
                names: NameIndex | None = None, memo: UnitMemo | None = None, units: Units | None = None,
                cache: Path | None = None) -> Needles:
    """The needles of a registry; `names`, `memo`, `units` as `collect_values` takes them; with a
    `cache` folder, the last build's needles are used again (`build_needles`)."""
    pub = pub if pub is not None else redact(registry, names=names)
    return build_needles(collect_values(registry, all_targets, names, memo, units), public_strings(pub),
                         declared_public_shapes(registry), cache / NEEDLES if cache else None)


def audit_site(site_dir: Path, registry, pub: PublicRegistry | None = None, all_targets: bool = False,
               jobs: int | None = None) -> list[Leak]:
    """Every leak of a private or withheld registry value into the built site (empty when clean).
    The build calls `needles_for` and `audit_files` itself, the needles made beside the site."""
    return audit_files(Path(site_dir), needles_for(registry, pub, all_targets), jobs)
