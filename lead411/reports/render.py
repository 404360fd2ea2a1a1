"""Render a released table: CSV, an SVG chart and rows for the HTML view (clause P14).

Only ``SuppressedTable`` values are rendered, so a hidden count cannot reach a file.
"""

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.html import escape

from .guard import SUPPRESSED
from .suppression import SuppressedTable


@dataclass(frozen=True)
class HtmlRow:
    """One row of the HTML table: its label and its released values (None = hidden)."""

    label: str
    values: list[int | None]
    is_total: bool


def header(released: SuppressedTable) -> list[str]:
    """Return the column headers: the row header, the columns, "Total" with row totals."""
    table = released.table
    return [table.row_header, *table.columns, *(["Total"] if table.with_row_totals else [])]


def html_rows(released: SuppressedTable) -> list[HtmlRow]:
    """Return the released grid as labelled rows, the total row last."""
    labels = [*released.table.rows, "Total"]
    last = len(labels) - 1
    return [
        HtmlRow(label, values, i == last)
        for i, (label, values) in enumerate(zip(labels, released.grid, strict=True))
    ]


def render_csv(*, released: SuppressedTable, meta: Mapping[str, str]) -> bytes:
    """Return the CSV file: ``# key: value`` metadata lines, the header, one row per label.

    Hidden counts are written as ``suppressed``.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for key, value in meta.items():
        writer.writerow([f"# {key}: {value}"])
    writer.writerow(header(released))
    for row in html_rows(released):
        writer.writerow([row.label, *(SUPPRESSED if v is None else str(v) for v in row.values)])
    return out.getvalue().encode("utf-8")


def chart_points(released: SuppressedTable) -> list[tuple[str, int | None]]:
    """Return ``(label, value)`` bars: the single column of a one-column table, otherwise
    each row's total."""
    return [(row.label, row.values[-1]) for row in html_rows(released) if not row.is_total]


def render_svg(*, released: SuppressedTable, subtitle: str = "") -> bytes:
    """Return a standalone SVG horizontal bar chart of ``chart_points``.

    Hidden values are drawn as no bar and the word "suppressed". Text is escaped.
    """
    points = chart_points(released)
    row_h, label_w, bar_w, pad = 22, 220, 420, 8
    top = 48
    width = label_w + bar_w + 90
    height = top + row_h * max(len(points), 1) + pad
    peak = max((v for _, v in points if v is not None), default=0) or 1
    title = escape(released.table.title)
    value_label = "Total" if released.table.with_row_totals else released.table.columns[0]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{title}" '
        'font-family="sans-serif" font-size="12">',
        f"<title>{title}</title>",
        f'<text x="{pad}" y="18" font-size="14" font-weight="bold">{title}</text>',
        f'<text x="{pad}" y="36" fill="#555">{escape(value_label)}'
        f"{escape(' · ' + subtitle) if subtitle else ''}</text>",
    ]
    for i, (label, value) in enumerate(points):
        y = top + i * row_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label[:34])}</text>'
        )
        if value is None:
            parts.append(f'<text x="{label_w + 4}" y="{y + 15}" fill="#888">{SUPPRESSED}</text>')
            continue
        length = bar_w * value / peak
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{length:.1f}" height="{row_h - 6}" '
            'fill="#2f6db5"/>'
        )
        parts.append(f'<text x="{label_w + length + 4:.1f}" y="{y + 15}">{value}</text>')
    parts.append("</svg>")
    return "".join(parts).encode("utf-8")
