"""Working days (工作日) by the official calendar, with 调休 (make-up working weekends).

Deadlines in the plan count working days (results published within 20 working days,
经营异常名录 within 10). chinesecalendar knows the State Council's holiday notices for
the years it ships; outside them we fall back to Monday–Friday, which is what a
deadline can promise before the year's notice exists.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import chinese_calendar

_ONE = timedelta(days=1)


@functools.lru_cache(maxsize=1 << 16)
def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # year not covered by the installed calendar
        return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (start itself not counted); n = 0 gives start."""
    if n < 0:
        raise ValueError("n must be ≥ 0")
    day = start
    while n:
        day += _ONE
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start)
    count, day = 0, start
    while day < end:
        day += _ONE
        count += is_working_day(day)
    return count
