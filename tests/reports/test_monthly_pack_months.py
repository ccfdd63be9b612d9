"""The monthly pack offers every recent month, none skipped (issue 17 item 5)."""

import re
from datetime import date

import pytest
import time_machine

from lms.reports.rules import recent_months


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 12, 2), ["2026-12", "2026-11", "2026-10", "2026-09", "2026-08", "2026-07"]),
    (date(2026, 3, 31), ["2026-03", "2026-02", "2026-01", "2025-12", "2025-11", "2025-10"]),
    (date(2027, 1, 1), ["2027-01", "2026-12", "2026-11", "2026-10", "2026-09", "2026-08"]),
])
def test_recent_months_skip_none(today, expected):
    assert recent_months(today, 6) == expected


def test_park_page_offers_november_on_2_december(login_as):
    with time_machine.travel("2026-12-02 06:00 +0000", tick=False):
        c, _ = login_as("admin")
        resp = c.get("/reports/parks/lahore")
    assert resp.status_code == 200, resp.status_code
    html = resp.get_data(as_text=True)
    offered = sorted(set(re.findall(r"learners\.csv\?month=(\d{4}-\d{2})", html)))
    assert offered == ["2026-10", "2026-11", "2026-12"]
