"""Charts drawn on the server as SVG, so the page and the PDF show the same picture."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def bar_chart(rows: list[tuple[str, float]], *, title: str, unit: str = "", width: int = 640) -> SafeString:
    """Horizontal bars with their labels and values; accessible through its title and a text fallback."""
    bar_height, gap, label_width = 18, 8, 230
    height = max(1, len(rows)) * (bar_height + gap) + 30
    top = max((value for _, value in rows), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="14" font-weight="bold">{escape(title)}</text>',
    ]
    if not rows:
        parts.append('<text x="0" y="40">нет данных</text>')
    for index, (label, value) in enumerate(rows):
        y = 24 + index * (bar_height + gap)
        length = (width - label_width - 60) * (value or 0) / top
        shown = f"{value:g}{(' ' + unit) if unit else ''}"
        parts.append(f'<text x="0" y="{y + 13}">{escape(label[:38])}</text>')
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{max(length, 1):.1f}" height="{bar_height}" fill="#2f6fad"/>'
        )
        parts.append(f'<text x="{label_width + length + 6:.1f}" y="{y + 13}">{escape(shown)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
