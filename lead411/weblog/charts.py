"""Inline SVG charts rendered in Python: no JavaScript, no CDN, readable without CSS."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def bar_chart_svg(
    *, points: list[tuple[str, int]], title: str, width: int = 720, height: int = 200
) -> SafeString:
    """Return an SVG column chart of ``(label, value)`` points, one column each.

    Labels and the title are escaped; an empty series gives a chart that says so.
    """
    pad_left, pad_bottom, pad_top = 48, 36, 12
    plot_w, plot_h = width - pad_left - 8, height - pad_bottom - pad_top
    peak = max((v for _, v in points), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="weblog-chart">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{width - 8}" '
        f'y2="{pad_top + plot_h}" stroke="#888"/>',
        f'<text x="{pad_left - 6}" y="{pad_top + 10}" text-anchor="end" font-size="11">{peak}</text>',
        f'<text x="{pad_left - 6}" y="{pad_top + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    if not points:
        parts.append(
            f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle">No data</text>'
        )
    step = plot_w / max(len(points), 1)
    label_every = max(1, len(points) // 12)
    for i, (label, value) in enumerate(points):
        bar_h = plot_h * value / peak
        x = pad_left + i * step + step * 0.1
        y = pad_top + plot_h - bar_h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.8:.1f}" height="{bar_h:.1f}" '
            f'fill="#2f6db5"><title>{escape(label)}: {value}</title></rect>'
        )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + step * 0.4:.1f}" y="{height - pad_bottom + 14}" '
                f'text-anchor="middle" font-size="10">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above


def hbar_chart_svg(*, rows: list[tuple[str, int]], title: str, width: int = 360) -> SafeString:
    """Return an SVG horizontal bar chart of a top list; labels escaped, cut at 40 chars."""
    row_h, label_w = 20, 150
    height = row_h * max(len(rows), 1) + 8
    peak = max((v for _, v in rows), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="weblog-chart">',
        f"<title>{escape(title)}</title>",
    ]
    if not rows:
        parts.append('<text x="4" y="16" font-size="12">No data</text>')
    for i, (label, value) in enumerate(rows):
        y = 4 + i * row_h
        bar_w = (width - label_w - 50) * value / peak
        short = label if len(label) <= 24 else label[:23] + "…"
        parts.append(
            f'<text x="{label_w - 4}" y="{y + 14}" text-anchor="end" font-size="11">'
            f"{escape(short)}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w:.1f}" height="{row_h - 6}" '
            f'fill="#4a9a5b"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{label_w + bar_w + 4:.1f}" y="{y + 14}" font-size="11">{value}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
