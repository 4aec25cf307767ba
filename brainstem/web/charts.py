"""Charts drawn on the server as SVG: the evidence timeline, sparklines, a recurrence strip,
and the geometry of the score breakdown bars. No chart library, no script: each
chart is an ``<svg role="img">`` with a title and a one-sentence description for
screen readers, coloured through CSS classes (so dark mode restyles it), beside
a data table for anyone who wants the numbers."""
from __future__ import annotations

from datetime import datetime, timedelta

from markupsafe import Markup, escape

from brainstem.timeline import Series, Timeline

SERIES_CLASSES = 7          # .s0 ... .s6 in console.css


def _t(dt: datetime, width: int) -> str:
    if width >= 86400:
        return f"{dt:%b %d}"
    if width >= 3600:
        return f"{dt:%b %d %H:%M}"
    if width >= 60:
        return f"{dt:%H:%M}"
    return f"{dt:%H:%M:%S}"


def duration(seconds: float) -> str:
    s = int(seconds)
    for unit, n in (("d", 86400), ("h", 3600), ("min", 60)):
        if s >= n and s % n == 0:
            return f"{s // n} {unit}"
    if s >= 3600:
        return f"{s / 3600:.1f} h"
    if s >= 60:
        return f"{s / 60:.1f} min"
    return f"{s} s"


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000):
        if v <= step:
            return float(step)
    mag = 10 ** (len(str(int(v))) - 1)
    return float(-(-v // mag) * mag)


def timeline_svg(tl: Timeline, *, chart_id: str = "timeline", w: int = 720, h: int = 220) -> Markup:
    """Stacked bars of events per bin per asset, the detector's windows shaded behind them,
    the baseline rate as a dashed line."""
    s = tl.series
    left, right, top, bottom = 44, 8, 10, 28
    pw, ph = w - left - right, h - top - bottom
    totals = s.totals()
    peak = max(totals + [tl.baseline or 0])
    ymax = _nice_max(peak)
    span = (s.end - s.start).total_seconds() or 1.0

    def x(dt: datetime) -> float:
        return left + pw * min(max((dt - s.start).total_seconds() / span, 0.0), 1.0)

    def y(v: float) -> float:
        return top + ph * (1 - min(v, ymax) / ymax)

    bw = pw / s.bins
    out = [f'<svg class="chart timeline" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
           f'preserveAspectRatio="none">']
    hosts = len([n for n, _ in s.lines if n != "other hosts"])
    desc = (f"{s.total} events from {_t(s.start, s.width)} to {_t(s.end, s.width)} UTC in bins of "
            f"{duration(s.width)}, on {hosts} host{'s' if hosts != 1 else ''}; peak {max(totals or [0])} per bin; "
            f"{len(tl.windows)} detector window{'s' if len(tl.windows) != 1 else ''} shaded")
    if tl.baseline is not None:
        desc += f"; baseline ({tl.baseline_label}) {tl.baseline:.2f} per bin"
    out.append(f'<title id="{chart_id}-t">Evidence timeline</title><desc id="{chart_id}-d">{escape(desc)}.</desc>')
    for a, b in tl.windows:
        x0, x1 = x(a), x(b)
        out.append(f'<rect class="window" x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 2):.1f}" height="{ph}"/>')
    for frac in (0, 0.5, 1):
        yy = top + ph * (1 - frac)
        out.append(f'<line class="grid" x1="{left}" x2="{w - right}" y1="{yy:.1f}" y2="{yy:.1f}"/>')
        label = ymax * frac
        out.append(f'<text class="axis" x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">'
                   f'{int(label) if label == int(label) else round(label, 1)}</text>')
    base = [0.0] * s.bins
    for idx, (name, counts) in enumerate(s.lines):
        cls = f"s{idx % SERIES_CLASSES}" if name != "other hosts" else "sother"
        parts = []
        for i, c in enumerate(counts):
            if not c:
                continue
            y1, y0 = y(base[i] + c), y(base[i])
            parts.append(f'<rect x="{left + i * bw + 0.5:.1f}" y="{y1:.1f}" width="{max(bw - 1, 1):.1f}" '
                         f'height="{max(y0 - y1, 0.5):.1f}"><title>{escape(name)}: {c} at '
                         f'{_t(s.edge(i), s.width)}</title></rect>')
            base[i] += c
        out.append(f'<g class="{cls}">{"".join(parts)}</g>')
    if tl.baseline is not None:
        yb = y(tl.baseline)
        out.append(f'<line class="baseline" x1="{left}" x2="{w - right}" y1="{yb:.1f}" y2="{yb:.1f}">'
                   f'<title>baseline: {tl.baseline:.2f} per {duration(s.width)} ({escape(tl.baseline_label)})</title></line>')
    ticks = 5 if s.bins >= 5 else s.bins
    for k in range(ticks + 1):
        i = round(k * s.bins / ticks)
        xx = left + i * bw
        anchor = "start" if k == 0 else "end" if k == ticks else "middle"
        out.append(f'<text class="axis" x="{xx:.1f}" y="{h - 8}" text-anchor="{anchor}">{_t(s.edge(i), s.width)}</text>')
    out.append(f'<line class="axisline" x1="{left}" x2="{w - right}" y1="{top + ph}" y2="{top + ph}"/></svg>')
    return Markup("".join(out))


def legend(series: Series) -> list[dict]:
    return [{"name": name, "cls": f"s{i % SERIES_CLASSES}" if name != "other hosts" else "sother",
             "total": sum(c)} for i, (name, c) in enumerate(series.lines)]


def sparkline_svg(counts: list[int], axis: Series, *, label: str = "", w: int = 120, h: int = 28) -> Markup:
    """A signature's rate as a small line over the shared axis."""
    n = len(counts)
    peak = max(counts) if counts else 0
    desc = (f"{label}{sum(counts)} events in the {duration(axis.width * max(axis.bins - 1, 1))} to {_t(axis.end, 86400)}, "
            f"peak {peak} per {duration(axis.width)}")
    if n == 0:
        return Markup(f'<svg class="spark" viewBox="0 0 {w} {h}" role="img" aria-label="{escape(desc)}"></svg>')
    step = w / max(n - 1, 1)
    pts = [(i * step, h - 2 - (h - 4) * (c / peak if peak else 0)) for i, c in enumerate(counts)]
    line = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
    area = f"0,{h} {line} {w},{h}"
    return Markup(f'<svg class="spark" viewBox="0 0 {w} {h}" preserveAspectRatio="none" role="img" '
                  f'aria-label="{escape(desc)}"><polygon class="area" points="{area}"/>'
                  f'<polyline class="line" points="{line}"/></svg>')


def recurrence_svg(points: list[tuple[datetime, str]], *, w: int = 720, h: int = 64) -> Markup:
    """Each recurrence of an incident (and each candidate it was promoted from) on one time axis."""
    if not points:
        return Markup("")
    lo, hi = min(p[0] for p in points), max(p[0] for p in points)
    if hi - lo < timedelta(hours=1):
        lo, hi = lo - timedelta(minutes=30), hi + timedelta(minutes=30)
    span = (hi - lo).total_seconds()
    left, right = 12, 12
    pw = w - left - right
    rec = sum(1 for _, k in points if k == "recurrence")
    desc = (f"{rec} recurrence{'s' if rec != 1 else ''} and {len(points) - rec} promoted candidate"
            f"{'s' if len(points) - rec != 1 else ''} between {lo:%Y-%m-%d %H:%M} and {hi:%Y-%m-%d %H:%M} UTC")
    out = [f'<svg class="chart recur" viewBox="0 0 {w} {h}" role="img" aria-label="{escape(desc)}">',
           f'<line class="axisline" x1="{left}" x2="{w - right}" y1="{h / 2 - 6}" y2="{h / 2 - 6}"/>']
    for at, kind in points:
        xx = left + pw * (at - lo).total_seconds() / span
        if kind == "recurrence":
            out.append(f'<circle class="rec" cx="{xx:.1f}" cy="{h / 2 - 6}" r="5"><title>recurrence at '
                       f'{at:%Y-%m-%d %H:%M:%S} UTC</title></circle>')
        else:
            cy = h / 2 - 6
            out.append(f'<path class="prom" d="M{xx:.1f},{cy - 7} l7,7 l-7,7 l-7,-7 z"><title>promoted candidate, first seen '
                       f'{at:%Y-%m-%d %H:%M:%S} UTC</title></path>')
    out.append(f'<text class="axis" x="{left}" y="{h - 6}">{lo:%Y-%m-%d %H:%M}</text>'
               f'<text class="axis" x="{w - right}" y="{h - 6}" text-anchor="end">{hi:%Y-%m-%d %H:%M}</text></svg>')
    return Markup("".join(out))


def breakdown_rows(breakdown: list[dict], total: float) -> dict:
    """The score breakdown as a waterfall: each component's bar starts where the previous one
    ended, so the bars add up, visibly, to the total. The track is 0..1, or 0..the highest
    running sum when the evidence goes past 1 before the discounts (``scale``), so no bar is cut."""
    cum, peak = 0.0, 1.0
    for comp in breakdown:
        cum += float(comp.get("contribution", 0.0))
        peak = max(peak, cum)
    rows, cum = [], 0.0
    for comp in breakdown:
        c = float(comp.get("contribution", 0.0))
        start, end = (cum, cum + c) if c >= 0 else (cum + c, cum)
        rows.append({"name": str(comp.get("name", "?")), "raw": comp.get("raw"), "weight": comp.get("weight"),
                     "contribution": c, "left": round(max(start, 0.0) / peak * 100, 2),
                     "width": round(max(end - max(start, 0.0), 0.0) / peak * 100, 2), "negative": c < 0})
        cum += c
    clamped = round(cum, 4) != round(total, 4)
    return {"rows": rows, "sum": round(cum, 4), "total": total, "scale": peak,
            "total_width": round(min(max(total, 0), 1) / peak * 100, 2), "clamped": clamped}


__all__ = ["breakdown_rows", "duration", "legend", "recurrence_svg", "sparkline_svg", "timeline_svg"]
