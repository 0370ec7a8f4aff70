"""Command-line values shared by sub-commands: one parser of dates."""

from __future__ import annotations

from datetime import date

from shuangsuiji.core.errors import fail


def day(text: str, option: str = "--date") -> date:
    """A YYYY-MM-DD date given on the command line; a bad one is a usage problem naming the option."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail("usage.date", f"日期 {text!r} 应为 YYYY-MM-DD", f"date {text!r} must be YYYY-MM-DD", field=option)


def as_of_date(text: str) -> date:
    """The `--as-of` date of the analysis commands."""
    return day(text, "--as-of")
