"""Problems found in user input, and how they are shown.

Every message a user sees names the place (file, line, column, field), says what is
wrong and how to fix it, in Chinese first with an English gloss. Commands never
show a traceback for bad input: they raise `UserError` (exit 2) or return problems
(exit 1 from `ssj validate`).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Iterable


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in the input, with where it is and how to fix it."""

    code: str  # stable kind, e.g. "yaml.duplicate-key", used for grouping and tests
    zh: str  # what is wrong, in Chinese
    en: str  # English gloss
    fix_zh: str = ""  # how to fix it
    fix_en: str = ""
    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    field: str | None = None  # dotted path, e.g. "targets[3].uscc"
    severity: str = "error"  # "error" | "warning" | "note" (an input read in its canonical form)

    def at(self, file: str | None = None, line: int | None = None, column: int | None = None,
           field: str | None = None) -> "Problem":
        """Copy with the location filled in where it was not known yet."""
        return Problem(self.code, self.zh, self.en, self.fix_zh, self.fix_en,
                       self.file if self.file is not None else file,
                       self.line if self.line is not None else line,
                       self.column if self.column is not None else column,
                       self.field if self.field is not None else field,
                       self.severity)

    def location(self) -> str:
        parts = [self.file or "<输入>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def text(self) -> str:
        where = self.location()
        fld = f" [{self.field}]" if self.field else ""
        level = _LEVELS[self.severity]
        out = f"{where}:{fld} {level}: {self.zh} / {self.en}"
        if self.fix_zh or self.fix_en:
            out += f"\n    修改方法 / fix: {self.fix_zh}" + (f" / {self.fix_en}" if self.fix_en else "")
        return out

    def github(self) -> str:
        """A GitHub workflow command, so the problem shows on the pull request's diff."""
        kind = {"error": "error", "warning": "warning", "note": "notice"}[self.severity]
        props = []
        if self.file:
            props.append(f"file={_gh_escape_prop(self.file)}")
        if self.line is not None:
            props.append(f"line={self.line}")
        if self.column is not None:
            props.append(f"col={self.column}")
        props.append(f"title={_gh_escape_prop(self.code)}")
        msg = f"{self.field + ': ' if self.field else ''}{self.zh} / {self.en}"
        if self.fix_zh:
            msg += f" — 修改方法: {self.fix_zh}" + (f" / {self.fix_en}" if self.fix_en else "")
        return f"::{kind} {','.join(props)}::{_gh_escape_data(msg)}"

    def as_dict(self) -> dict:
        return asdict(self)


_LEVELS = {"error": "错误 error", "warning": "警告 warning", "note": "说明 note"}


def plural(n: int, noun: str, plural_form: str | None = None) -> str:
    """'1 error', '2 errors': English glosses count grammatically."""
    return f"{n} {noun if n == 1 else plural_form or noun + 's'}"


def _gh_escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_prop(s: str) -> str:
    return _gh_escape_data(s).replace(":", "%3A").replace(",", "%2C")


class UserError(Exception):
    """Bad input to a command: shown as its problems, exit status 2, nothing written."""

    def __init__(self, *problems: Problem):
        super().__init__("; ".join(p.en for p in problems))
        self.problems = list(problems)


def problem(code: str, zh: str, en: str, fix_zh: str = "", fix_en: str = "", **where) -> Problem:
    return Problem(code, zh, en, fix_zh, fix_en, **where)


def fail(code: str, zh: str, en: str, fix_zh: str = "", fix_en: str = "", **where):
    """Raise a one-problem UserError."""
    raise UserError(problem(code, zh, en, fix_zh, fix_en, **where))


@dataclass
class Report:
    """Problems gathered by a validation run."""

    problems: list[Problem] = field(default_factory=list)
    files_checked: int = 0

    def add(self, p: Problem) -> None:
        self.problems.append(p)

    def extend(self, ps: Iterable[Problem]) -> None:
        self.problems.extend(ps)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def sorted(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: (p.file or "", p.line or 0, p.column or 0, p.code, p.field or ""))

    def render(self, fmt: str = "text") -> str:
        ps = self.sorted()
        if fmt == "json":
            return json.dumps({"files_checked": self.files_checked,
                               "errors": len(self.errors),
                               "warnings": len(ps) - len(self.errors),
                               "problems": [p.as_dict() for p in ps]},
                              ensure_ascii=False, indent=1, sort_keys=True)
        if fmt == "github":
            lines = [p.github() for p in ps]
        else:
            lines = [p.text() for p in ps]
        lines.append(self.summary())
        return "\n".join(lines)

    def summary(self) -> str:
        n_err = len(self.errors)
        n_note = sum(1 for p in self.problems if p.severity == "note")
        n_warn = len(self.problems) - n_err - n_note
        files = plural(self.files_checked, "file")
        if not self.problems:
            return f"通过：检查了 {self.files_checked} 个文件，没有发现问题。 / OK: {files} checked, no problems."
        if n_note == len(self.problems):  # only readings of natural input: nothing to fix
            return f"共 {n_note} 条说明（检查了 {self.files_checked} 个文件） / {plural(n_note, 'note')} in {files}"
        by_kind = Counter(p.code for p in self.problems)
        kinds = "\n".join(f"  {n:6d}  {code}" for code, n in sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0])))
        notes_zh, notes_en = (f"、{n_note} 条说明", f", {plural(n_note, 'note')}") if n_note else ("", "")
        return (f"共 {n_err} 个错误、{n_warn} 个警告{notes_zh}（检查了 {self.files_checked} 个文件），按类别 / "
                f"{plural(n_err, 'error')}, {plural(n_warn, 'warning')}{notes_en} in {files}, by kind:\n{kinds}")
