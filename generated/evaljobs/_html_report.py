"""``evaljobs validate --format html``: one self-contained HTML page (no script, no external asset).

The page holds the summary (payloads by verdict, findings by severity and kind, the exit status), a plot per
operation of its exchanges over time (those with errors, the valid ones with drift, the clean ones) when the
captures carry timestamps, the grouped findings as ``--format grouped`` has them, the skipped captures by reason
and ``--coverage`` where it was asked for. Every text from the captures (file names, paths, messages) is
escaped; the plots are inline SVG.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from evaljobs._digest import Digest, Timeline
from evaljobs._grouped import LIMIT
from evaljobs._output import STDOUT, Ending, Piece, Tally, summary, visible
from evaljobs._report import FailOn, Report

BINS = 60
"""The most bars of a plot: the timeline's buckets are gathered into at most this many."""
_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800)
"""The widths of a bar, in seconds: the narrowest that keeps the bars to ``BINS`` (else whole weeks)."""

_WORDS = {"error": "error", "warning": "drift", "info": "info"}

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:75em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}h3{font-size:1em;margin:1.5em 0 .3em}
table{border-collapse:collapse;margin:.3em 0}td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;
vertical-align:top}th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:.92em}.error{color:#b00020;font-weight:600}.warning{color:#9a6700;font-weight:600}.info{color:#555}
.sample{color:#555;font-size:.92em}.key span{display:inline-block;width:.8em;height:.8em;margin:0 .3em 0 1em}
svg{display:block;margin:.2em 0 1em}svg text{font:11px system-ui,sans-serif;fill:#555}
"""

_COLOURS = ("#b00020", "#d4a017", "#c8c8c8")  # errors, drift, clean


def _text(value: object) -> str:
    """Text from the captures (or anything else), safe in an HTML element or attribute."""
    return html.escape(visible(str(value)), quote=True)


class HtmlFormat:
    """Nothing per payload: the page at the end, from the run's digest."""

    holds = joined = False
    digests = covers = True
    head = ""

    def __init__(self, fail_on: FailOn, limit: int = LIMIT) -> None:
        self.fail_on = fail_on
        self.limit = limit

    def report(self, report: Report) -> Piece:
        return STDOUT, ""

    def skipped(self, source: str, reason: str) -> Piece:
        return STDOUT, ""

    def end(self, tally: Tally, held: list[str], ending: Ending) -> list[str]:
        totals = summary(tally, ending, self.fail_on)
        digest = ending.digest
        assert digest is not None  # (digests)
        parts = [
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            "<title>evaljobs validate</title>\n",
            f"<style>{_STYLE}</style>\n</head>\n<body>\n<h1>evaljobs validate</h1>\n",
            f"<p>{_text(tally.summary(self.fail_on))}; exit status {ending.status}.</p>\n",
            _summary(totals),
            _plots(digest, self.limit),
            self._groups(digest),
            self._skipped(digest),
        ]
        if ending.coverage is not None:
            parts.append(_coverage(ending.coverage))
        parts.append("</body>\n</html>\n")
        return ["".join(parts)]

    def _groups(self, digest: Digest) -> str:
        parts = ["<h2>Findings by operation</h2>\n"]
        if not digest.groups:
            return parts[0] + "<p>No findings.</p>\n"
        room = self.limit
        left_groups = left_count = 0
        for operation, groups in digest.ordered():
            if room <= 0:
                left_groups += len(groups)
                left_count += sum(group.count for _, group in groups)
                continue
            counts = digest.operations[operation]
            parts.append(
                f"<h3><code>{_text(operation)}</code>: {counts.reports:,} payload(s), {counts.invalid:,} invalid, "
                f"{counts.drifted:,} with drift</h3>\n<table>\n<tr><th>severity</th><th>in</th><th>where</th>"
                "<th>kind</th><th>count</th><th>first seen</th></tr>\n"
            )
            for key, group in groups:
                if room <= 0:
                    left_groups += 1
                    left_count += group.count
                    continue
                room -= 1
                parts.append(
                    f'<tr><td class="{key.severity}">{_WORDS[key.severity]}</td><td>{_text(key.side)}</td>'
                    f"<td><code>{_text(key.place)}</code></td><td>{_text(key.kind)}</td>"
                    f'<td class="n">{group.count:,}</td><td><code>{_text(group.source)}</code>'
                    f'<div class="sample">{_text(group.message)}</div></td></tr>\n'
                )
            parts.append("</table>\n")
        if left_groups:
            parts.append(f"<p>... and {left_groups:,} more group(s) of findings ({left_count:,} occurrence(s)).</p>\n")
        return "".join(parts)

    def _skipped(self, digest: Digest) -> str:
        if not digest.skipped:
            return ""
        reasons = sorted(digest.skipped.items(), key=lambda item: (-item[1].count, item[0]))
        rows = "".join(
            f'<tr><td>{_text(reason)}</td><td class="n">{group.count:,}</td><td><code>{_text(group.source)}</code>'
            "</td></tr>\n"
            for reason, group in reasons[: self.limit]
        )
        more = f"<p>... and {len(reasons) - self.limit:,} more reason(s).</p>\n" if len(reasons) > self.limit else ""
        return (
            "<h2>Skipped captures</h2>\n<table>\n<tr><th>reason</th><th>count</th><th>first seen</th></tr>\n"
            f"{rows}</table>\n{more}"
        )


def _summary(totals: dict[str, Any]) -> str:
    verdicts = "".join(
        f'<tr><td>{name}</td><td class="n">{count:,}</td></tr>' for name, count in totals["verdicts"].items()
    )
    severities = "".join(
        f'<tr><td class="{name}">{_WORDS[name]}</td><td class="n">{count:,}</td></tr>'
        for name, count in totals["severities"].items()
    )
    kinds = "".join(
        f'<tr><td>{_text(name)}</td><td class="n">{count:,}</td></tr>' for name, count in totals["kinds"].items()
    )
    return (
        "<h2>Summary</h2>\n<table>\n<tr><th>payloads</th><th>count</th></tr>\n"
        f'<tr><td>all</td><td class="n">{totals["payloads"]:,}</td></tr>{verdicts}\n'
        f'<tr><td>failing (--fail-on {totals["fail_on"]})</td><td class="n">{totals["failing"]:,}</td></tr>\n</table>\n'
        f"<table>\n<tr><th>severity</th><th>findings</th></tr>\n{severities}\n</table>\n"
        f"<table>\n<tr><th>kind</th><th>findings</th></tr>\n{kinds}\n</table>\n"
    )


def _plots(digest: Digest, limit: int) -> str:
    """An SVG plot per operation of its exchanges over time, on one time axis; nothing without timestamps."""
    timeline = digest.timeline
    if not timeline.buckets:
        return ""
    first = min(index for _, index in timeline.buckets) * timeline.width
    last = (max(index for _, index in timeline.buckets) + 1) * timeline.width
    step = next(
        (each for each in _STEPS if each >= timeline.width and (last - first) / each <= BINS),
        max(timeline.width, -(-(last - first) // BINS // 604800) * 604800),
    )
    first -= first % step
    bins = max(1, -(-(last - first) // step))
    last = first + bins * step
    series = _binned(timeline, first, step, bins)
    start, end = _when(first), _when(last)
    parts = [
        "<h2>Over time</h2>\n",
        f"<p>Exchanges per {_duration(step)} from {start} to {end} (UTC), by operation:",
        '<span class="key"><span style="background:#b00020"></span>with errors'
        '<span style="background:#d4a017"></span>valid, with drift'
        '<span style="background:#c8c8c8"></span>clean</span></p>\n',
    ]
    for operation in sorted(series)[:limit]:
        parts.append(f"<h3><code>{_text(operation)}</code></h3>\n{_plot(series[operation], step, first)}\n")
    return "".join(parts)


def _binned(timeline: Timeline, first: int, step: int, bins: int) -> dict[str, list[list[int]]]:
    series: dict[str, list[list[int]]] = {}
    for (operation, index), counts in timeline.buckets.items():
        place = min(bins - 1, (index * timeline.width - first) // step)
        row = series.setdefault(operation, [[0, 0, 0] for _ in range(bins)])[place]
        for position, count in enumerate(counts):
            row[position] += count
    return series


def _plot(bars: list[list[int]], step: int, first: int) -> str:
    width, height, left, bottom = 720, 116, 44, 24
    plot_width, plot_height = width - left - 8, height - bottom - 8
    most = max(total for total, _, _ in bars) or 1
    slot = plot_width / len(bars)
    shapes = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'role="img">',
        f'<line x1="{left}" y1="{8 + plot_height}" x2="{width - 8}" y2="{8 + plot_height}" stroke="#999"/>',
        f'<text x="{left - 4}" y="16" text-anchor="end">{most:,}</text>',
        f'<text x="{left - 4}" y="{8 + plot_height}" text-anchor="end">0</text>',
        f'<text x="{left}" y="{height - 6}">{_when(first)}</text>',
        f'<text x="{width - 8}" y="{height - 6}" text-anchor="end">{_when(first + len(bars) * step)}</text>',
    ]
    for position, (total, invalid, drifted) in enumerate(bars):
        if not total:
            continue
        x = left + position * slot
        base = float(8 + plot_height)
        label = (
            f"{_when(first + position * step)}: {total:,} exchange(s), {invalid:,} with errors, {drifted:,} with drift"
        )
        shapes.append(f"<g><title>{_text(label)}</title>")
        for count, colour in zip((invalid, drifted, total - invalid - drifted), _COLOURS, strict=True):
            if count <= 0:
                continue
            tall = plot_height * count / most
            base -= tall
            shapes.append(
                f'<rect x="{x + 0.5:.1f}" y="{base:.1f}" width="{max(slot - 1, 1):.1f}" height="{tall:.1f}" '
                f'fill="{colour}"/>'
            )
        shapes.append("</g>")
    shapes.append("</svg>")
    return "".join(shapes)


def _when(seconds: float) -> str:
    try:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return f"{seconds:.0f} s"


def _duration(seconds: int) -> str:
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}{'s' * (seconds != size)}" if seconds != size else unit
    return f"{seconds} seconds" if seconds != 1 else "second"


def _coverage(found: dict[str, Any]) -> str:
    operations, statuses = found["operations"], found["statuses"]
    rows = "".join(
        f"<tr><td>{_text(each['api'])}</td><td><code>{_text(each['method'])} {_text(each['path'])}</code></td>"
        f"<td>{_text(each['operation'])}</td><td>{_text(' '.join(each['seen']) or 'not seen')}</td>"
        f"<td>{_text(' '.join(each['documented']))}</td></tr>\n"
        for each in found["by_operation"]
    )
    return (
        f"<h2>Coverage</h2>\n<p>{operations['seen']}/{operations['total']} operations, "
        f"{statuses['seen']}/{statuses['total']} documented statuses.</p>\n<table>\n<tr><th>api</th><th>endpoint</th>"
        f"<th>operation</th><th>statuses seen</th><th>documented</th></tr>\n{rows}</table>\n"
    )
