"""Static SVG bar charts with Chinese labels: no script, no external font, no request.

The text uses the site's font stack (system fonts with CJK coverage), so a chart
renders the same offline, in a feed reader or in headless Chromium. Widths of labels
are estimated (a CJK character is one em, other characters about 0.6 em), which is
enough to keep labels from overlapping the bars. Each label stands above its bar, so a
chart is about as wide as a phone (≈ 380 px) and scales down without shrinking its text
to nothing (the page gives the SVG `max-width: 100%`).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

FONT = 'system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif'
FONT_SIZE = 13
BAR_H = 18
GAP = 6
BAR_W = 240
LINE = FONT_SIZE + 3  # the label's line above each bar
COLOURS = ("#1f5fa8", "#c0392b")


def text_width(s: str, size: int = FONT_SIZE) -> float:
    return sum(size if ord(c) > 0x2E7F else size * 0.6 for c in s)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as shown at the end of the bar, e.g. "12.5%（n=80）"
    low: float | None = None  # optional interval drawn as a whisker (same scale as value)
    high: float | None = None


def bar_chart(title: str, bars: list[Bar], *, max_value: float | None = None, highlight: set[str] = frozenset(),
              desc: str = "") -> str:
    """A horizontal bar chart as an SVG element (inline in HTML; `role="img"` with a title for screen readers)."""
    top = max([max_value or 0.0] + [max(b.value, b.high or 0.0) for b in bars]) or 1.0
    label_w = max([text_width(b.label) for b in bars] + [text_width(title), 40.0]) + 2
    value_w = max([text_width(b.text) for b in bars] + [40.0]) + 12
    width = int(max(label_w, BAR_W + value_w))
    head = FONT_SIZE + 10
    row = LINE + BAR_H + GAP
    height = head + len(bars) * row + GAP
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family=\'{FONT}\' font-size="{FONT_SIZE}">',
           f"<title>{escape(title)}</title>"]
    if desc:
        out.append(f"<desc>{escape(desc)}</desc>")
    out.append(f'<text x="0" y="{FONT_SIZE + 2}" font-weight="bold">{escape(title)}</text>')
    for i, b in enumerate(bars):
        y = head + i * row + LINE
        w = max(0.0, b.value) / top * BAR_W
        colour = COLOURS[1] if b.label in highlight else COLOURS[0]
        ty = y + BAR_H - 4
        out.append(f'<text x="0" y="{y - 4}">{escape(b.label)}</text>')
        out.append(f'<rect x="0" y="{y}" width="{w:.1f}" height="{BAR_H}" fill="{colour}"/>')
        if b.low is not None and b.high is not None:
            x1, x2 = b.low / top * BAR_W, b.high / top * BAR_W
            mid = y + BAR_H / 2
            out.append(f'<path d="M{x1:.1f} {mid}H{x2:.1f}M{x1:.1f} {y + 3}V{y + BAR_H - 3}M{x2:.1f} {y + 3}'
                       f'V{y + BAR_H - 3}" stroke="#333" stroke-width="1.2" fill="none"/>')
        end = max(w, (b.high or 0.0) / top * BAR_W) + 6
        out.append(f'<text x="{end:.0f}" y="{ty}">{escape(b.text)}</text>')
    out.append("</svg>")
    return "".join(out)


def figure(svg: str, caption: str, csv_href: str) -> str:
    """The chart with its caption and a link to its data as CSV."""
    return (f'<figure class="ssj-chart">{svg}<figcaption>{escape(caption)} · '
            f'<a href="{escape(csv_href)}" download>下载数据（CSV）/ data as CSV</a></figcaption></figure>')
