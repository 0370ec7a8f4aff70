"""Personal data typed into published text: find it by its shape, mask it, report it.

Every public string field is scanned unless the model declares it cannot carry personal
data (`models.base.scanned`). Chinese text has no word boundaries, so numbers are
delimited by digit look-arounds, never `\\b`. Full-width digits (１３８…) and separators
inside numbers (138 1234 5678) are recognised. Shapes, not checksums, decide:
ID numbers by GB 11643 structure (a known province, a real birth date, sequence, check
character; a wrong check character is a likely typo, still masked), bank cards by
issuer prefix and length (or the Luhn check), mobiles, landlines, personal e-mails
(not at a domain the registry declares organisational, `config.privacy`).
A hit is masked in what is published (`mask_text`) and reported by `ssj validate`
(`freetext_problems`) so the department fixes its source: ID numbers (typos included)
and bank cards are errors, so the build refuses them; the other kinds are warnings and
are published masked (an office landline or e-mail can be legitimate).
"""

from __future__ import annotations

import hashlib

import functools

import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, get_args

from pydantic import BaseModel

from shuangsuiji.core.codes import check_uscc, is_valid_id_number, luhn_ok, region_name, uscc_kind, valid_birth_date
from shuangsuiji.core.errors import Problem
from shuangsuiji.core.unitmemo import UnitMemo
from shuangsuiji.registry.load import Units
from shuangsuiji.registry.models.base import Visibility, check_text, scanned, visibility_of
from shuangsuiji.core import codes

# Full-width digits/letters → ASCII, so one pattern serves both (same string length).
FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_SEP = r"[ \-‐‑–—]?"
_ID_RE = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}[0-9]{4}[0-9]{3}[0-9Xx](?![0-9A-Za-z])")
_CARD_RE = re.compile(rf"(?<![0-9])[1-9](?:{_SEP}[0-9]){{15,18}}(?![0-9])")
_MOBILE_RE = re.compile(rf"(?<![0-9])(?:\+?86{_SEP})?1[3-9][0-9]{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}(?![0-9])")
_LANDLINE_RE = re.compile(r"(?<![0-9])(?:\(0[1-9][0-9]{1,2}\)|（0[1-9][0-9]{1,2}）|0[1-9][0-9]{1,2}[\-‐－ ]?)"
                          r"[2-9][0-9]{6,7}(?![0-9])")
# A bare 8-digit local number, but not a date (20170901), an amount or a count (… 元/号/户).
_LOCAL_RE = re.compile(r"(?<![0-9.¥￥])[2-8][0-9]{7}(?![0-9.]|\s*[元万亿年月日号次户人个件家米吨条])")
_EMAIL_RE = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_DATE8_RE = re.compile(r"(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])")

KINDS_ZH = {"id_number": "身份证号码", "id_typo": "身份证号码（校验位不符，可能是输错的身份证号码）",
            "bank_card": "银行卡号", "mobile": "手机号码", "landline": "固定电话", "email": "电子邮箱",
            "name": "自然人姓名"}
KINDS_EN = {"id_number": "ID number", "id_typo": "ID number with a wrong check character (likely mistyped)"}
ERROR_KINDS = ("id_number", "id_typo", "bank_card")

# Issuer prefixes (IIN/BIN) of the cards issued in China, kept small: UnionPay 62, Visa 4,
# Mastercard 51–55 and 2221–2720, JCB 35, and the Chinese banks' older BINs (ICBC 9558,
# ABC 9559, BOC 6013, CMB 690755, CEB/CIB 955xx). Amex (34/37) cards have 15 digits, the
# length of a 注册号, which in Shandong also starts with 37: they are left to the Luhn check.
_CARD_PREFIXES = ("62", "4", "51", "52", "53", "54", "55", "35", "955", "6013", "690755")
_SEP_SPLIT = re.compile(r"[ \-‐‑–—]")


def card_issuer(d: str) -> bool:
    """True if the digit string starts with a known issuer prefix (Mastercard 2221–2720 by range)."""
    return d.startswith(_CARD_PREFIXES) or "2221" <= d[:4] <= "2720"


def id_shape(s: str) -> str | None:
    """'id_number' for a valid GB 11643 number (as before: any region, check character right),
    'id_typo' for one with a known province, a real birth date and a wrong check character
    that is not a USCC (right check character, and positions 1–2 a GB 32100 authority and type),
    None otherwise."""
    if len(s) != 18:
        return None
    if is_valid_id_number(s):
        return "id_number"
    if (s[:17].isdigit() and s[17] in "0123456789X" and codes.is_province(s[:2]) and valid_birth_date(s[6:14])
            and not (check_uscc(s) is None and uscc_kind(s) is not None)):
        return "id_typo"
    return None


def _card_grouped(raw: str) -> bool:
    """Written as a card is: in one piece, in fours (6222 0212 3456 7890 123), or BIN and account
    (622202 1234567890123); not numbers run together (371311-2026-001 2026年)."""
    lens = [len(g) for g in _SEP_SPLIT.split(raw)]
    return len(lens) == 1 or (set(lens[:-1]) == {4} and lens[-1] <= 4) or (len(lens) == 2 and lens[0] == 6)


def card_shape(raw: str, luhn: bool = True) -> bool:
    """A bank card: 16–19 digits, not a USCC, with an issuer prefix and written as a card is, or
    (with `luhn`, as before issuer prefixes were known) passing the Luhn check however it is written."""
    d = _digits(raw)
    return (16 <= len(d) <= 19 and check_uscc(d) is not None
            and ((card_issuer(d) and _card_grouped(raw)) or (luhn and luhn_ok(d))))


@dataclass(frozen=True, slots=True)
class PublicContacts:
    """What the registry declares public although it is shaped like personal data
    (`config.privacy`): organisational e-mail domains and single contacts (office phones, e-mails)."""

    domains: tuple[str, ...] = ()
    values: frozenset[str] = frozenset()  # `contact_key` of each declared contact

    def exempt(self, kind: str, raw: str) -> bool:
        if kind == "email":
            domain = raw.rpartition("@")[2].lower()
            if any(domain == d or domain.endswith("." + d) for d in self.domains):
                return True
        return contact_key(raw) in self.values


def contact_key(raw: str) -> str:
    """A contact compared without its formatting: an e-mail lower-cased, a number as its digits."""
    raw = raw.translate(FOLD).strip()
    return raw.lower() if "@" in raw else _digits(raw)


def public_contacts(registry) -> PublicContacts:
    """The declared public contacts, and the site office's own phone and e-mail (every page's footer)."""
    p = registry.config.privacy
    site = registry.config.site
    own = [m.group(0) for m in _EMAIL_RE.finditer(site.email)] + [m.group(0) for m in _LANDLINE_RE.finditer(site.phone)]
    return PublicContacts(tuple(d.lower().lstrip("@.") for d in p.org_email_domains if d),
                          frozenset(contact_key(v) for v in [*p.public_contacts, *own] if v))


NO_CONTACTS = PublicContacts()


@dataclass(frozen=True, slots=True)
class Hit:
    """One piece of personal data in a text: where, which kind, and how it is shown masked."""

    kind: str
    start: int
    end: int
    masked: str


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


def mask_id_number(s: str) -> str:
    """371302199001011234 → 371302********1234 (first 6, last 4)."""
    return s[:6] + "*" * max(len(s) - 10, 0) + s[-4:] if len(s) > 10 else "*" * len(s)


def mask_mobile(s: str) -> str:
    """13812341234 → 138****1234 (country code and separators dropped)."""
    d = _digits(s)[-11:]
    return d[:3] + "****" + d[-4:] if len(d) == 11 else "*" * len(d)


def mask_phone(s: str) -> str:
    """0539-1234567 → 0539-*****67: the area code stays, the local number shows its last 2 digits."""
    m = re.match(r"^(\(?（?0[1-9][0-9]{1,2}[)）\-‐－ ]?)(.*)$", s)
    head, local = (m.group(1), m.group(2)) if m else ("", s)
    d = _digits(local)
    return head + "*" * max(len(d) - 2, 0) + d[-2:]


def mask_card(s: str) -> str:
    d = _digits(s)
    return d[:4] + "*" * (len(d) - 8) + d[-4:]


def mask_email(s: str) -> str:
    user, _, domain = s.partition("@")
    return user[:1] + "***@" + domain


def mask_name(s: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧*: the surname's first character and one star (length is not shown)."""
    return s[:1] + "*" if s else s


MASKERS = {"name": mask_name, "mobile": mask_mobile, "phone": mask_phone, "id_number": mask_id_number}


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


# A one-character given name makes a two-character name that is also a word or part of one
# (高新 in 临沂高新技术产业开发区, 建国, 文华), so such a name counts only when it is set off on both
# sides: by a character that is not a Chinese one (punctuation, digits, the text's ends) or by
# the words found next to a person's name in a remark (由张三陪同, 负责人张三签字, 张三等人).
_BEFORE_NAME = frozenset("由与和及同跟对向给让叫请被把将经据问找见约称即系是为人员主者长师")
_AFTER_NAME = frozenset("陪签称说讲表述答回在于已未没不无拒承确到提是为对向将也均系等的和与及同先女本亲现当负联电手身出带领指介反配协告要")


def _set_off(text: str, i: int, cues: frozenset[str]) -> bool:
    return i < 0 or i >= len(text) or text[i] in cues or not _is_cjk(text[i])


class NameIndex:
    """Registered private names, looked up by length so a text is scanned once per length.

    A name is found only as a whole name: not inside a public name of a place or an
    organisation the registry holds (`shields`: 金雀山 in 金雀山路), and a two-character
    name only when set off on both sides (see `_BEFORE_NAME`)."""

    def __init__(self, names: Iterable[str], shields: Iterable[str] = ()):
        by_len: dict[int, set[str]] = {}
        for n in names:
            n = (n or "").strip()
            if len(n) >= 2:
                by_len.setdefault(len(n), set()).add(n)
        self.sets = by_len
        self.lengths = sorted(by_len, reverse=True)  # longest first: 欧阳娜娜 before 欧阳
        self.firsts = frozenset(n[0] for s in by_len.values() for n in s)
        # name → (public name holding it, offset of the name in it)
        self.shields: dict[str, list[tuple[str, int]]] = {}
        for term in sorted({t for t in shields if t}):
            for off, ch in enumerate(term):
                if ch in self.firsts:
                    for length in self.lengths:
                        if term[off:off + length] in by_len[length]:
                            self.shields.setdefault(term[off:off + length], []).append((term, off))

    def __bool__(self) -> bool:
        return bool(self.sets)

    def digest(self) -> str:
        """What masking with this index depends on: its names and the public names shielding them."""
        h = hashlib.sha256()
        for length in sorted(self.sets):
            h.update("\n".join(sorted(self.sets[length])).encode("utf-8") + b"\0")
        h.update(repr(sorted(self.shields.items())).encode("utf-8"))
        return h.hexdigest()

    def _whole(self, text: str, start: int, end: int) -> bool:
        for term, off in self.shields.get(text[start:end], ()):
            if start >= off and text.startswith(term, start - off):
                return False
        return end - start > 2 or (_set_off(text, start - 1, _BEFORE_NAME) and _set_off(text, end, _AFTER_NAME))

    def find(self, text: str) -> Iterator[tuple[int, int]]:
        i, n, firsts, sets = 0, len(text), self.firsts, self.sets
        while i < n:
            if text[i] in firsts:
                for length in self.lengths:
                    if text[i:i + length] in sets[length] and self._whole(text, i, i + length):
                        yield i, i + length
                        i += length
                        break
                else:
                    i += 1
            else:
                i += 1


class _Spans:
    """Non-overlapping hits collected in order of precedence (an earlier kind wins an overlap)."""

    def __init__(self, folded: str, contacts: PublicContacts):
        self.folded, self.contacts = folded, contacts
        self.taken: list[tuple[int, int]] = []
        self.hits: list[Hit] = []

    def add(self, kind: str, start: int, end: int, masked: str) -> None:
        if any(start < e and s < end for s, e in self.taken) or self.contacts.exempt(kind, self.folded[start:end]):
            return
        self.taken.append((start, end))
        self.hits.append(Hit(kind, start, end, masked))


def _shapes(spans: _Spans, numbers: bool = True, emails: bool = True, luhn: bool = True) -> None:
    """The kinds recognised by shape alone, also searched in the built site (`audit`): ID numbers,
    bank cards, mobiles, personal e-mails. `luhn`: a card may be recognised by its check digit alone."""
    folded, add = spans.folded, spans.add
    for m in _ID_RE.finditer(folded) if numbers else ():
        if kind := id_shape(m.group().upper()):
            add(kind, m.start(), m.end(), mask_id_number(m.group().upper()))
    for m in _CARD_RE.finditer(folded) if numbers else ():
        if card_shape(m.group(), luhn):
            add("bank_card", m.start(), m.end(), mask_card(_digits(m.group())))
    for m in _MOBILE_RE.finditer(folded) if numbers else ():
        add("mobile", m.start(), m.end(), mask_mobile(m.group()))
    if emails and "@" in folded:
        for m in _EMAIL_RE.finditer(folded):
            add("email", m.start(), m.end(), mask_email(m.group()))


def shape_hits(folded: str, contacts: PublicContacts = NO_CONTACTS, numbers: bool = True,
               emails: bool = True, luhn: bool = True) -> list[Hit]:
    """ID numbers, bank cards, mobiles (`numbers`) and personal e-mails (`emails`) in a folded text."""
    spans = _Spans(folded, contacts)
    _shapes(spans, numbers, emails, luhn)
    return spans.hits


def find_hits(text: str, names: NameIndex | None = None, contacts: PublicContacts = NO_CONTACTS) -> list[Hit]:
    """Every personal-data span of `text`, non-overlapping, in order (earlier kinds win overlaps);
    what `contacts` declares public is not a hit."""
    spans = _Spans(text.translate(FOLD), contacts)
    _shapes(spans)
    folded, add = spans.folded, spans.add
    for m in _LANDLINE_RE.finditer(folded):
        add("landline", m.start(), m.end(), mask_phone(m.group()))
    for m in _LOCAL_RE.finditer(folded):
        if not _DATE8_RE.fullmatch(m.group()):
            add("landline", m.start(), m.end(), mask_phone(m.group()))
    if names:
        for s, e in names.find(text):
            add("name", s, e, mask_name(text[s:e]))
    hits = spans.hits
    hits.sort(key=lambda h: h.start)
    return hits


# A department's own 实施细则 publishes its office hotline and e-mail: those are public by
# nature there; mobiles, ID numbers, bank cards and private names are masked all the same.
OFFICE_CONTACTS = frozenset({"landline"})  # office e-mails: declare their domain in config privacy


def mask_text(text: str, names: NameIndex | Iterable[str] | None = None,
              keep: frozenset[str] = frozenset(), contacts: PublicContacts = NO_CONTACTS) -> tuple[str, list[Hit]]:
    """`text` with every hit replaced by its masked form, and the hits (positions in the input);
    hits of the kinds in `keep` are left as they are and not returned."""
    if names is not None and not isinstance(names, NameIndex):
        names = NameIndex(names)
    hits = [h for h in find_hits(text, names, contacts) if h.kind not in keep]
    if not hits:
        return text, hits
    out, pos = [], 0
    for h in hits:
        out.append(text[pos:h.start])
        out.append(h.masked)
        pos = h.end
    out.append(text[pos:])
    return "".join(out), hits


# --- which fields are scanned ----------------------------------------------------------------

def is_text_annotation(annotation: Any) -> bool:
    """True if the type is `models.base.Text` (possibly optional): free text typed by people."""
    meta = getattr(annotation, "__metadata__", ())
    if any(getattr(m, "func", None) is check_text for m in meta):
        return True
    return any(is_text_annotation(a) for a in get_args(annotation))


@functools.cache
def is_scanned(model: type[BaseModel], name: str) -> bool:
    """A field whose strings are searched for personal data: every public or withheld field the
    model does not declare pii-free (`models.base.scanned`), and free text (`Text`) whatever its
    visibility (an internal note can be made public by mistake)."""
    info = model.model_fields[name]
    if is_text_annotation(info.annotation) or any(getattr(m, "func", None) is check_text for m in info.metadata):
        return True
    return visibility_of(model, name) in (Visibility.PUBLIC, Visibility.WITHHELD) and scanned(model, name)


def _named_targets(registry) -> set[str]:
    """Targets named by the registry's results or draws: the only ones a published text is about."""
    ids = {r.target for _, _, r in registry.all_results()}
    for d in registry.draws.values():
        ids.update(d.drawn() or ())
    for t in registry.tasks.values():
        ids.update(t.fixed_targets)  # published with the task
    return ids


def registered_names(registry, named: set[str] | None = None) -> set[str]:
    """Names the registry marks as private natural persons: people in results, and 负责人 of
    the targets that appear anywhere in the registry's results or draws (a city's other
    million 负责人 never reach a published text's neighbourhood and would only slow scans).
    `named`: those targets, when the caller has them (`_named_targets`)."""
    names: set[str] = set()
    for _, _, r in registry.all_results():
        names.update(r.persons)
    targets = registry.targets
    for tid in _named_targets(registry) if named is None else named:
        if tid in targets:
            names.add(targets.value(tid, "legal_rep"))
    return {n for n in names if n and len(n.strip()) >= 2}


def public_names(registry, named: set[str] | None = None) -> set[str]:
    """Public names of places and organisations: regions (short and full), departments (and
    their former names), enforcement units, and the names and registration authorities of the
    targets that results and draws name (`named`, as `registered_names` takes it). A person's
    name inside one of them is not a person."""
    terms: set[str] = set()
    for r in registry.regions.values():
        terms.update((r.name, region_name(r.code, full=True)))
    for d in registry.departments.values():
        terms.update((d.name, d.full_name, *(h.name for h in d.history)))
    for c in registry.dept_configs.values():
        terms.update(u.name for u in c.units)
    targets = registry.targets
    for tid in _named_targets(registry) if named is None else named:
        if tid in targets:
            terms.update((targets.value(tid, "name"), targets.value(tid, "registered_by")))
    return {t for t in terms if t}


def name_index(registry) -> NameIndex:
    """The registry's private names, shielded by its public names: what free text is masked with."""
    named = _named_targets(registry)
    return NameIndex(registered_names(registry, named), public_names(registry, named))


# --- ssj validate hook ----------------------------------------------------------------------

def _walk_text(rec: BaseModel, path: str) -> Iterator[tuple[str, str]]:
    """(field path, text) of every scanned string of a record (`is_scanned`), recursively."""
    for name in type(rec).model_fields:
        v = getattr(rec, name)
        p = f"{path}.{name}" if path else name
        if isinstance(v, str):
            if is_scanned(type(rec), name):
                yield p, v
        elif isinstance(v, BaseModel):
            yield from _walk_text(v, p)
        elif isinstance(v, (list, tuple)):
            for i, x in enumerate(v):
                if isinstance(x, BaseModel):
                    yield from _walk_text(x, f"{p}[{i}]")
                elif isinstance(x, str) and is_scanned(type(rec), name):
                    yield f"{p}[{i}]", x


def _records(registry) -> Iterator[tuple[str | None, str, int | None, BaseModel]]:
    """(file, field path prefix, CSV line, record) of every YAML record whose strings can be published
    (the targets a result, draw or task names are the other ones: `freetext_problems`)."""
    yield "config.yaml", "", None, registry.config
    for kind, recs in (("region", registry.regions), ("department", registry.departments)):
        for key, rec in sorted(recs.items()):
            o = registry.origin(kind, key)
            rel, prefix = (o.rel, f"{o.loc[0]}[{o.loc[1]}]") if o and len(o.loc) > 1 else (None, "")
            yield rel, prefix, None, rec
    for kind, recs in (("dept-config", registry.dept_configs), ("item-list", registry.item_lists),
                       ("matters", registry.matters), ("inspector-file", registry.inspector_files),
                       ("liaison", registry.liaisons), ("approvals", registry.approvals), ("plan", registry.plans),
                       ("task", registry.tasks), ("results", registry.results)):
        for key, rec in sorted(recs.items()):
            o = registry.origin(kind, key)
            yield o.rel if o else None, "", None, rec
    for tid, d in sorted(registry.draws.items()):
        for name in ("sources", "events", "ceremony", "conflicts"):
            rec = getattr(d, name)
            if rec is not None:
                yield f"{d.dept}/draws/{tid}/{name}.yaml", "", None, rec


def _problem(h: Hit, rel: str | None, path: str | None, line: int | None = None) -> Problem:
    """`line`: the hit is in that line of a text file (rules.md), at its character `start`."""
    zh_kind = KINDS_ZH[h.kind]
    en_kind = KINDS_EN.get(h.kind, h.kind.replace("_", " "))
    zh_what = KINDS_ZH["id_number" if h.kind == "id_typo" else h.kind]  # what to remove, without the diagnosis
    return Problem(
        f"freetext.{h.kind}",
        f"公开文本中含有{zh_kind}“{h.masked}”（第 {h.start + 1} 个字符起），"
        + ("发布前必须删除" if h.kind in ERROR_KINDS else "公开时将被遮蔽"),
        f"published text holds {'an' if en_kind[0] in 'aeiouAEIOU' else 'a'} {en_kind} '{h.masked}' "
        f"at character {h.start + 1}; "
        + ("remove it before publishing" if h.kind in ERROR_KINDS else "it is masked when published"),
        f"从该文本中删去{zh_what}；需要记录的个人信息请填入对应的非公开字段"
        "（单位公开的办公电话、邮箱可在 config.yaml 的 privacy 中声明）",
        "remove it from the text; personal data belongs in the private fields "
        "(an office's public phone or e-mail can be declared under privacy in config.yaml)",
        file=rel, line=line, column=h.start + 1 if line else None, field=path,
        severity="error" if h.kind in ERROR_KINDS else "warning")


def freetext_problems(registry, names: NameIndex | None = None, memo: UnitMemo | None = None,
                      units: Units | None = None) -> list[Problem]:
    """Personal data in every scanned string of the registry, one problem per hit, shown masked.

    Internal notes are checked too: they are private, but an ID number has no place in
    a registry note either, and a note can be made public by mistake. In rules.md only
    what is masked there is reported (not the office's landline and e-mail). `names`: the
    registry's `name_index`, when the caller has it; `memo`, `units`: a unit's problems are
    found again only when the unit or what it is masked with changed (a build's memo).
    """
    names = name_index(registry) if names is None else names
    contacts = public_contacts(registry)
    memo = memo or UnitMemo(None, "")
    units = units or Units(registry)

    def scan(rel: str | None, prefix: str, line: int | None, rec: BaseModel) -> list[Problem]:
        return [_problem(h, rel, path, line) for path, text in _walk_text(rec, prefix)
                for h in find_hits(text, names, contacts)]

    def target(tid: str) -> list[Problem]:
        o = registry.origin("target", tid)
        return scan(o.rel if o else None, "", o.line if o else None, registry.targets[tid])

    problems: list[Problem] = []
    for rel, prefix, line, rec in _records(registry):
        key = units.file(rel)
        problems += memo.get(key and f"{key}{prefix}", lambda: scan(rel, prefix, line, rec))
    for tid in sorted(_named_targets(registry)):
        if tid in registry.targets:
            problems += memo.get(units.target(tid), lambda: target(tid))
    for dept, text in sorted(registry.rules.items()):
        for no, line in enumerate(text.splitlines(), 1):
            problems.extend(_problem(h, f"{dept}/rules.md", None, no)
                            for h in mask_text(line, names, keep=OFFICE_CONTACTS, contacts=contacts)[1])
    return problems
