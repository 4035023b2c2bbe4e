"""Charts as PNG bytes, drawn with matplotlib's Agg canvas.

The object API (Figure + FigureCanvasAgg, never pyplot) keeps no global state, so charts can
be drawn in a worker thread while the bot keeps answering. Labels come translated from the
caller: this module knows no language.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def jobs_chart(
    per_day: Sequence[tuple[dt.date, int]],
    target_per_day: int,
    *,
    title: str,
    jobs_label: str,
    target_label: str,
    width: float = 8.0,
    height: float = 4.0,
    dpi: int = 100,
) -> bytes:
    """Bars of jobs per day against the daily target line; returns PNG bytes."""
    # Imported here, not at module level: matplotlib with numpy and PIL is ≈40 MB of memory in
    # every bot process that starts the scheduler, for a chart drawn once a week.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    days = [day for day, _ in per_day]
    counts = [count for _, count in per_day]
    positions = list(range(len(days)))
    colours = ["#2e7d32" if count >= target_per_day else "#1f77b4" for count in counts]
    axes.bar(positions, counts, color=colours, label=jobs_label, width=0.75)
    axes.axhline(target_per_day, color="#d32f2f", linewidth=2, linestyle="--", label=target_label)
    step = max(1, len(days) // 10)
    axes.set_xticks(positions[::step])
    axes.set_xticklabels([day.strftime("%d.%m") for day in days[::step]], fontsize=8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max([*counts, target_per_day, 1]) * 1.15)
    axes.set_title(title, fontsize=11)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
