"""Indicators: one definition of each figure, computed by SQL aggregates.

Today's screen, reminders, digests, drill-down and exports all call these functions, so an
assistant and their supervisor always see the same numbers.

The package is split by what the figures are for; every public name is re-exported here, so
callers keep importing from ``bot.services.indicators``:

* :mod:`.scopes`: which jobs count, periods, and the SQL of a scope or a place level;
* :mod:`.assistant_day`: one assistant's "Today" figures and overdue cases;
* :mod:`.place_counts`: the digests' figures per place (jobs, cases, coverage);
* :mod:`.standings`: assistants on target, furthest behind and ahead;
* :mod:`.scope_rows`: a scope's rows per mahalla and per assistant (exports, drill-down);
* :mod:`.place_indicators`: every indicator of one place (the drill-down's screens).
"""

from __future__ import annotations

from bot.services.indicators.assistant_day import (
    AssistantDay,
    assistant_day,
    assistant_days,
    jobs_count,
    overdue_case_numbers,
    overdue_numbers,
)
from bot.services.indicators.place_counts import (
    CaseFlow,
    Coverage,
    PlaceName,
    assistants_by,
    case_flow_by,
    coverage_by,
    jobs_by,
    jobs_per_day_by,
)
from bot.services.indicators.place_indicators import (
    CASE_STATUSES,
    CATEGORIES,
    ENTREPRENEUR_JOB_KINDS,
    PLACE_LEVELS,
    PlaceIndicators,
    place_indicators_by,
)
from bot.services.indicators.scope_rows import (
    AssistantFigures,
    MahallaFigures,
    assistant_figures,
    mahalla_figures,
)
from bot.services.indicators.scopes import (
    COUNTED_JOB_STATUSES,
    COUNTRY,
    active_assignment,
    area_clause,
    counted_job,
    expected_jobs,
    local_bounds,
    mahalla_area,
)
from bot.services.indicators.standings import Standing, Standings, standings_by

__all__ = [
    "CASE_STATUSES",
    "CATEGORIES",
    "COUNTED_JOB_STATUSES",
    "COUNTRY",
    "ENTREPRENEUR_JOB_KINDS",
    "PLACE_LEVELS",
    "AssistantDay",
    "AssistantFigures",
    "CaseFlow",
    "Coverage",
    "MahallaFigures",
    "PlaceIndicators",
    "PlaceName",
    "Standing",
    "Standings",
    "active_assignment",
    "area_clause",
    "assistant_day",
    "assistant_days",
    "assistant_figures",
    "assistants_by",
    "case_flow_by",
    "counted_job",
    "coverage_by",
    "expected_jobs",
    "jobs_by",
    "jobs_count",
    "jobs_per_day_by",
    "local_bounds",
    "mahalla_area",
    "mahalla_figures",
    "overdue_case_numbers",
    "overdue_numbers",
    "place_indicators_by",
    "standings_by",
]
