"""Command-line values shared by sub-commands: one parser of dates, one `--base` option."""

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


def add_base_argument(p) -> None:
    """`--base REV` of validate and build: the revision committed draws and ownership are judged against."""
    p.add_argument("--base", metavar="REV", default=None,
                   help="以哪个版本为准判断已提交的抽取未被改动、修改归属（默认 HEAD；合并请求用其基准提交，"
                        "推送用推送前的主分支；40 个 0 表示首次推送、此前无提交）"
                        " / revision committed draws and ownership are judged against (default HEAD; a pull"
                        " request's base commit, the previous main on a push; forty zeros: a first push)")
