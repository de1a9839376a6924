"""Server-rendered charts: geometry for inline SVG, computed here, drawn by templates.

No script and no ``style=`` attribute is needed (the CSP allows neither): positions are SVG
attributes, colours are CSS classes.  Time runs from right to left, as the page reads, and
every label has Persian digits.
"""

import math

from chatdesk.core.persian import to_persian_digits


def nice_max(value):
    """A round axis top at or above ``value`` (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def column_chart(rows, series, *, width=760, height=240, label_key="label"):
    """Grouped columns.  ``rows``: [{label_key: str, <series key>: number}], oldest first;
    ``series``: [(key, css_class, title)].  Returns the drawing as plain data."""
    left, right, top, bottom = 44, 8, 12, 36  # the value axis sits on the left edge (after the RTL timeline)
    plot_w, plot_h = width - left - right, height - top - bottom
    # counts: at least 4 so that the five ticks are whole numbers
    top_value = max(nice_max(max([r.get(key) or 0 for r in rows for key, _c, _t in series] or [0])), 4)
    n = max(len(rows), 1)
    slot = plot_w / n
    bar_w = max(min(slot * 0.8 / len(series), 28), 1.5)
    every = max(1, math.ceil(n / 16))  # at most ~16 labels on the time axis
    groups = []
    for i, row in enumerate(rows):
        x0 = left + plot_w - (i + 1) * slot + (slot - bar_w * len(series)) / 2  # first bucket on the right
        bars = []
        for j, (key, css, title) in enumerate(series):
            value = row.get(key) or 0
            h = plot_h * value / top_value
            bars.append({
                "x": round(x0 + (len(series) - 1 - j) * bar_w, 2), "y": round(top + plot_h - h, 2),
                "w": round(bar_w * 0.92, 2), "h": round(h, 2), "css": css,
                "title": f"{row[label_key]} — {title}: {to_persian_digits(value)}",
            })
        groups.append({
            "bars": bars, "label": row[label_key] if i % every == 0 else "",
            "label_x": round(left + plot_w - (i + 0.5) * slot, 2), "label_y": height - bottom + 16,
        })
    ticks = [
        {"y": round(top + plot_h - plot_h * k / 4, 2), "label": to_persian_digits(_fmt(top_value * k / 4))} for k in range(5)
    ]
    return {
        "width": width, "height": height, "groups": groups, "ticks": ticks, "left": left, "right": width - right,
        "legend": [{"css": css, "title": title} for _k, css, title in series], "empty": not any(
            (r.get(key) or 0) for r in rows for key, _c, _t in series
        ),
    }


def _fmt(value):
    return f"{int(value):,}".replace(",", "٬") if float(value).is_integer() else f"{value:.1f}".replace(".", "٫")


def bars(items):
    """Horizontal bars (as percentages of the largest) for [(label, count)]: RTL, growing from
    the right edge of a 100-unit wide SVG."""
    top = max([count for _l, count in items] or [0]) or 1
    total = sum(count for _l, count in items)
    out = []
    for label, count in items:
        w = round(100 * count / top, 2)
        out.append({
            "label": label, "count": count, "w": w, "x": round(100 - w, 2),
            "share": round(100 * count / total, 1) if total else None,
        })
    return out
