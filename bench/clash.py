"""Time to generate a 16-week cohort's sessions and clash-check them against the programme."""

import os
import statistics
import time
from datetime import time as dtime
from datetime import timedelta


def clash_check_ms(url: str | None = None, repeats: int = 20) -> str:
    """Median time (ms) of generate + holidays + the SQL clash check, on the full data set."""
    import sqlalchemy as sa

    from lms import create_app
    from lms.core.timeutil import park_today
    from lms.extensions import db
    from lms.scheduling import rules
    from lms.scheduling.models import ClassSession, Cohort
    from lms.scheduling.services import find_clashes, holidays_between

    url = url or os.environ["BENCH_URL"]
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        sessions = db.session.scalar(sa.select(sa.func.count()).select_from(ClassSession))
        cohort = db.session.scalars(sa.select(Cohort).where(Cohort.status == "running")).first()
        start = park_today() - timedelta(weeks=4)  # overlapping the busy, running weeks
        end = start + timedelta(weeks=16)
        timings, found = [], 0
        for _ in range(repeats):
            t0 = time.perf_counter()
            pairs = rules.generate_sessions(start, end, ["mon", "wed", "fri"], dtime(9, 0),
                                            dtime(12, 0), holidays_between(cohort.park_id, start,
                                                                           end))
            found = len(find_clashes(pairs, cohort.room_id, cohort.trainer_id))
            timings.append((time.perf_counter() - t0) * 1000)
        db.engine.dispose()
    return (f"{statistics.median(timings):.1f} (median of {repeats}; {len(pairs)} new sessions "
            f"against {sessions:,}; {found} clashes found)")
