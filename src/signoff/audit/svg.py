"""Charts as inline SVG strings: the report must open offline, with no script and no CDN."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

PALETTE = ("#2f6fb3", "#d9822b", "#3a9b5c", "#8e5cb5")


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def share_over_time(points: list[tuple[str, int, float]], *, title: str) -> str:
    """Bars of AI share per period label; each bar's tooltip gives the count behind it."""
    width, height, pad = 720, 220, 36
    if not points:
        return f'<p class="empty">{escape(title)}: no changes in the period.</p>'
    step = (width - 2 * pad) / len(points)
    bar = max(step * 0.7, 1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-label="{escape(title)}" class="chart" data-chart="ai-share">',
        f"<title>{escape(title)}</title>",
    ]
    for frac in (0.0, 0.5, 1.0):
        y = height - pad - frac * (height - 2 * pad)
        parts.append(
            f'<line x1="{pad}" x2="{width - pad}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="4" y="{y + 4:.1f}" font-size="10">{int(frac * 100)}%</text>'
        )
    label_every = max(1, len(points) // 12)
    for i, (label, count, share) in enumerate(points):
        x = pad + i * step + (step - bar) / 2
        h = share * (height - 2 * pad)
        y = height - pad - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
            f'fill="{PALETTE[0]}"><title>{escape(label)}: {_pct(share)} of {count} changes'
            "</title></rect>"
        )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{height - pad + 14}" font-size="10">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def grouped_bars(
    groups: list[tuple[str, list[float | None]]], series: list[str], *, title: str
) -> str:
    """One group per label (a tier, a workflow), one bar per series (a metric); None is drawn
    as a hatched empty slot labelled n/a, never as a zero bar."""
    if not groups:
        return f'<p class="empty">{escape(title)}: nothing to show.</p>'
    return _bars(groups, series, title=title, top=1.0, show=_pct, legend_step=200)


def _bars(
    groups: Sequence[tuple[str, Sequence[float | None]]],
    series: list[str],
    *,
    title: str,
    top: float,
    show: Callable[[float], str],
    legend_step: int,
) -> str:
    """Grouped bars on one scale, `top` reaching the full height; `show` writes a value."""
    width, height, pad = 720, 240, 36
    step = (width - 2 * pad) / len(groups)
    bar = step * 0.8 / max(len(series), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height + 20}" '
        f'width="100%" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    for gi, (label, values) in enumerate(groups):
        x0 = pad + gi * step + step * 0.1
        for si, value in enumerate(values):
            x = x0 + si * bar
            name = series[si]
            if value is None:
                parts.append(
                    f'<text x="{x:.1f}" y="{height - pad - 4}" font-size="9">n/a'
                    f"<title>{escape(label)} / {escape(name)}: no changes to measure</title></text>"
                )
                continue
            h = value / top * (height - 2 * pad)
            parts.append(
                f'<rect x="{x:.1f}" y="{height - pad - h:.1f}" width="{bar * 0.9:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[si % len(PALETTE)]}"><title>{escape(label)} / '
                f"{escape(name)}: {show(value)}</title></rect>"
                f'<text x="{x:.1f}" y="{height - pad - h - 3:.1f}" font-size="9">{show(value)}</text>'
            )
        parts.append(
            f'<text x="{x0:.1f}" y="{height - pad + 14}" font-size="10">{escape(label)}</text>'
        )
    for si, name in enumerate(series):
        parts.append(
            f'<rect x="{pad + si * legend_step}" y="{height + 4}" width="10" height="10" '
            f'fill="{PALETTE[si % len(PALETTE)]}"/><text x="{pad + si * legend_step + 14}" '
            f'y="{height + 13}" font-size="11">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def budget_bars(rows: list[tuple[str, float, str]], *, title: str) -> str:
    """One horizontal bar per workflow: the share of its error budget used (1.0 = spent)."""
    if not rows:
        return f'<p class="empty">{escape(title)}: no workflow declares an error budget.</p>'
    width, row_h, left = 720, 22, 180
    height = row_h * len(rows) + 30
    colour = {"ok": "#3a9b5c", "at-risk": "#d9822b", "exhausted": "#c0392b"}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-label="{escape(title)}" class="chart" data-chart="budgets">',
        f"<title>{escape(title)}</title>",
    ]
    span = width - left - 60
    x100 = left + span / 1.5  # the axis runs to 150% so an overspent budget stays visible
    for i, (name, used, state) in enumerate(rows):
        y = 10 + i * row_h
        w = min(used, 1.5) / 1.5 * span
        parts.append(
            f'<text x="4" y="{y + 14}" font-size="11">{escape(name)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" '
            f'fill="{colour.get(state, PALETTE[3])}"><title>{escape(name)}: {_pct(used)} used '
            f"({escape(state)})</title></rect>"
            f'<text x="{left + w + 4:.1f}" y="{y + 14}" font-size="10">{_pct(used)}</text>'
        )
    parts.append(
        f'<line x1="{x100:.1f}" x2="{x100:.1f}" y1="4" y2="{height - 16}" stroke="#333" '
        f'stroke-dasharray="3,3"/><text x="{x100 - 30:.1f}" y="{height - 4}" font-size="10">'
        "budget spent</text></svg>"
    )
    return "".join(parts)


def count_bars(groups: list[tuple[str, list[int]]], series: list[str], *, title: str) -> str:
    """One group per label, one bar per series, heights as counts on one shared scale (for
    measures that must be shown side by side and never stacked or added)."""
    top = max((v for _, values in groups for v in values), default=0)
    if not groups or top <= 0:
        return f'<p class="empty">{escape(title)}: nothing to show.</p>'
    return _bars(groups, series, title=title, top=top, show=lambda v: str(int(v)), legend_step=340)
