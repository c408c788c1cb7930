"""The burn-up chart as coordinates for an inline SVG (templates/chart.html): per milestone, the share of its units
that have submitted, day by day from the launch, and a dashed line at its deadline. Drawn on the server: no
script, no chart library, nothing fetched, readable on a phone."""

import datetime as dt
from dataclasses import dataclass

from service.dashboard_views import BurnUp

WIDTH, HEIGHT, LEFT, BOTTOM, TOP, RIGHT = 640, 260, 44, 28, 12, 12
COLOURS = ("#b3261e", "#1f5fa8", "#2e7d32", "#8a4fbf", "#b26a00", "#00796b")


@dataclass(frozen=True)
class Series:
    milestone: str
    colour: str
    points: str  # "x,y x,y …" for a polyline
    deadline_x: float
    deadline: dt.date
    last_pct: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    series: list[Series]
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    today_x: float | None
    left: int
    right: int
    top: int
    bottom: int


def burnup_chart(burnup: list[BurnUp], start: dt.date, today: dt.date) -> Chart | None:
    if not burnup:
        return None
    end = max([today, *(b.deadline for b in burnup)]) + dt.timedelta(days=1)
    first = min([start, *(d for b in burnup for d, _ in b.days[:1])])
    span = max(1, (end - first).days)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: dt.date) -> float:
        return round(LEFT + plot_w * (day - first).days / span, 1)

    def y(share: float) -> float:
        return round(TOP + plot_h * (1 - share), 1)

    series = []
    for index, item in enumerate(burnup):
        points, last = [(x(first), y(0))], 0.0
        for day, running in item.days:
            share = min(1.0, running / item.due) if item.due else 0.0
            points += [(x(day), y(last)), (x(day), y(share))]
            last = share
        points.append((x(min(today, end)), y(last)))
        series.append(
            Series(
                milestone=item.milestone,
                colour=COLOURS[index % len(COLOURS)],
                points=" ".join(f"{px},{py}" for px, py in points),
                deadline_x=x(item.deadline + dt.timedelta(days=1)),
                deadline=item.deadline,
                last_pct=round(100 * last, 1),
            )
        )
    step = max(1, span // 6)
    x_ticks = [(x(first + dt.timedelta(days=d)), f"{first + dt.timedelta(days=d):%d/%m}") for d in range(0, span, step)]
    y_ticks = [(y(share / 100), f"{share}%") for share in (0, 25, 50, 75, 100)]
    today_x = x(today) if first <= today <= end else None
    return Chart(WIDTH, HEIGHT, series, x_ticks, y_ticks, today_x, LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM)
