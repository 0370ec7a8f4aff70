"""HTML fragments and CSV files of the 统计分析 pages (`/stats/…`), for the site renderer to embed.

Public figures only: the pages are made from `Stats.public()`, which has no table by
credit class. Each chart links to the CSV it was drawn from; every number on a page
is in that CSV.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from shuangsuiji.analysis import stats
from shuangsuiji.site.charts import Bar, bar_chart, figure
from shuangsuiji.analysis.credit import SERIOUS
from shuangsuiji.analysis.stats import FOLLOW_UPS, Row, Stats, pct
from shuangsuiji.analysis.warning import DIMS


@dataclass(frozen=True)
class SitePage:
    """A page for the renderer: URL relative to the site root (ends in '/'), title, body fragment."""

    url: str
    title: str
    html: str


def _rate_bars(rows: list[Row]) -> list[Bar]:
    out = []
    for r in rows:
        if not r.inspected:
            continue
        lo, hi = r.problem_ci
        out.append(Bar(_name(r), r.problem_rate, f"{pct(r.problem_rate)}（{r.problems}/{r.inspected}）", lo, hi))
    return out


def _count_bars(rows: list[Row]) -> list[Bar]:
    return [Bar(_name(r), r.inspected, f"{r.inspected} 户（抽中 {r.drawn}）") for r in rows]


def _name(r: Row) -> str:
    return r.label if r.label == r.key else f"{r.label}（{r.key}）"


def _table(rows: list[Row], total: Row) -> str:
    head = ("名称", "任务数", "候选对象", "抽中", "已检查", "发现问题", "问题发现率", "95%置信区间", "按时公示率",
            "联合抽查率", "人均检查户次", *(f"处置：{k}" for k in FOLLOW_UPS))
    lines = ['<div class="ssj-table-wrap"><table class="ssj-stats-table"><thead><tr>',
             "".join(f'<th scope="col">{escape(h)}</th>' for h in head), "</tr></thead><tbody>"]
    for r in [*rows, total]:
        ci = r.problem_ci
        cells = (r.tasks, r.candidates, r.drawn, r.inspected, r.problems, pct(r.problem_rate),
                 f"{pct(ci[0])}–{pct(ci[1])}" if ci else "—", pct(r.on_time_rate), pct(r.joint_rate),
                 f"{r.workload:.1f}" if r.workload is not None else "—",
                 *(r.follow_ups.get(v, 0) for v in FOLLOW_UPS.values()))
        lines.append(f'<tr><th scope="row">{escape(_name(r))}</th>'
                     + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    lines.append("</tbody></table></div>")
    return "".join(lines)


_NOTE = ("<p class=\"ssj-note\">口径：只计已公示（含更正）的检查结果；问题发现率 = 检查结果含“发现问题已责令改正”"
         "“发现问题待后续处理”或“不配合检查情节严重”的户次 ÷ 已检查户次，区间为 Wilson 95% 置信区间；按时公示 = "
         "检查完成后 {days} 个工作日内公示（按国务院节假日及调休安排）；联合抽查率 = 有配合部门的任务 ÷ 任务数；"
         "人均检查户次 = 参与检查的执法人员检查户次之和 ÷ 人数。按部门统计的是发起部门。</p>")


def stats_pages(st: Stats, publish_days: int = 20) -> list[SitePage]:
    """The /stats/ overview and one page per dimension."""
    st = st.public()
    note = _NOTE.format(days=publish_days)
    t = st.total
    ci = t.problem_ci
    overview = ['<article class="ssj-stats" data-pagefind-body><h1>统计分析</h1>',
                '<dl class="ssj-figures">',
                *(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in (
                    ("抽查任务", t.tasks), ("联合抽查任务", f"{t.joint_tasks}（{pct(t.joint_rate)}）"),
                    ("候选对象", t.candidates), ("抽中对象", t.drawn), ("已检查（已公示结果）", t.inspected),
                    ("发现问题", f"{t.problems}（{pct(t.problem_rate)}，95%置信区间 "
                                f"{pct(ci[0]) if ci else '—'}–{pct(ci[1]) if ci else '—'}）"),
                    ("按时公示率", pct(t.on_time_rate)),
                    ("人均检查户次", f"{t.workload:.1f}" if t.workload is not None else "—"))),
                "</dl>", note, "<ul class=\"ssj-stats-nav\">"]
    overview += [f'<li><a href="{d}/">按{escape(stats.DIMENSIONS[d])}</a></li>' for d in st.tables]
    overview.append("</ul>")
    for d in ("region", "industry", "dept"):
        if d in st.tables and st.tables[d]:
            title = f"问题发现率（按{stats.DIMENSIONS[d]}）"
            overview.append(figure(bar_chart(title, _rate_bars(st.tables[d]), max_value=1.0), title, f"{d}.csv"))
    overview.append("</article>")
    pages = [SitePage("stats/", "统计分析", "".join(overview))]
    for d, rows in st.tables.items():
        name = stats.DIMENSIONS[d]
        t1, t2 = f"已检查户次（按{name}）", f"问题发现率及95%置信区间（按{name}）"
        body = [f'<article class="ssj-stats" data-pagefind-body><h1>统计分析：按{escape(name)}</h1>',
                '<p><a href="../">← 统计分析</a></p>', note,
                figure(bar_chart(t1, _count_bars(rows)), t1, f"../{d}.csv"),
                figure(bar_chart(t2, _rate_bars(rows), max_value=1.0), t2, f"../{d}.csv"),
                _table(rows, st.total), "</article>"]
        pages.append(SitePage(f"stats/{d}/", f"统计分析：按{name}", "".join(body)))
    return pages


def stats_files(st: Stats) -> dict[str, bytes]:
    """CSV files next to the pages: `stats/<dimension>.csv` (UTF-8 with BOM for Excel)."""
    st = st.public()
    return {f"stats/{d}.csv": stats.table_csv(rows, st.total).encode("utf-8") for d, rows in st.tables.items()}


def warnings_page(tests: list, period_note: str = "年度") -> SitePage:
    """/stats/warnings/: every region and industry tested, flagged ones first, with the numbers behind each."""
    head = ("", "维度", "名称", "上期", "上期问题/检查", "本期", "本期问题/检查", "z", "p（单侧）", "BH 校正后 p")
    rows = []
    for t in tests:
        cells = (DIMS[t.dim], t.label, t.previous, f"{t.k0}/{t.n0}（{pct(t.rate0)}）", t.current,
                 f"{t.k1}/{t.n1}（{pct(t.rate1)}）", f"{t.z:.2f}", f"{t.p:.3g}", f"{t.p_adjusted:.3g}")
        rows.append(f'<tr id="{escape(t.dim)}-{escape(t.key)}"><td>{"预警" if t.flagged else ""}</td>'
                    + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    html = ('<article class="ssj-stats" data-pagefind-body><h1>风险预警</h1>'
            '<p class="ssj-note">方法：按检查完成日期分期（' + escape(period_note) + '），对每个区域和行业门类比较本期与上期的'
            '问题发现率；两期检查户次均不少于 30 户的才检验；单侧两比例 z 检验（合并方差，备择假设为本期上升）；'
            '对全部受检区域和行业一并作 Benjamini–Hochberg 校正，校正后 p ≤ 0.05 且本期高于上期的标为预警。</p>'
            '<div class="ssj-table-wrap"><table class="ssj-stats-table"><thead><tr>'
            + "".join(f'<th scope="col">{escape(h)}</th>' for h in head) + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>"
            + ("" if tests else "<p>暂无样本量足够的区域或行业。</p>") + "</article>")
    return SitePage("stats/warnings/", "风险预警", html)


def serious_list_page(events: list, names: dict[str, str]) -> SitePage:
    """/credit/serious/: targets on the 严重违法失信名单 by rule, with the date, ground and legal basis.
    `names`: target id → public name (from the PublicRegistry)."""
    rows = [e for e in events if e.kind == SERIOUS]
    body = "".join(
        f'<tr><td><a href="../../targets/{escape(e.target)}/">{escape(names.get(e.target, e.target))}</a></td>'
        f"<td>{escape(e.target)}</td><td>{e.date.isoformat()}</td><td>{escape(e.ground)}</td>"
        f"<td>{escape(e.basis)}</td></tr>" for e in rows)
    html = ('<article class="ssj-credit" data-pagefind-body><h1>严重违法失信名单（依规则列入）</h1>'
            '<p class="ssj-note">列入经营异常名录届满3年仍未移出的，列入严重违法失信名单。日期为依规则应列入之日。</p>'
            '<div class="ssj-table-wrap"><table><thead><tr><th scope="col">名称</th><th scope="col">统一社会信用代码</th>'
            '<th scope="col">列入日期</th><th scope="col">列入事由</th><th scope="col">依据</th></tr></thead><tbody>'
            + body + "</tbody></table></div>" + ("" if rows else "<p>暂无。</p>") + "</article>")
    return SitePage("credit/serious/", "严重违法失信名单", html)
