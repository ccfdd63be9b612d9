"""Figures measured in process for `make bench`: certificate PDF cost, CSV import, clash check."""

import time


def measure() -> dict:
    """Each figure, or the reason it could not be measured."""
    out = {}
    for name, fn in (("certificate PDF cost (x a plain ReportLab page)", _pdf_ratio),
                     ("import 6,500 learners from CSV (s)", _import_time),
                     ("generate and clash-check a 16-week cohort against 10,000 sessions (ms)",
                      _clash_time),
                     ("50 MB material download: throughput vs reading it from disk, and the "
                      "gunicorn worker's peak memory while 8 clients download it", _downloads)):
        try:
            out[name] = fn()
        except Exception as exc:  # report, don't hide: the table says what failed
            out[name] = f"not measured: {type(exc).__name__}: {exc}"
    try:
        from bench.mail import measure as mail_figures

        out.update(mail_figures())
    except Exception as exc:  # aiosmtpd missing, a port taken: say so in the table
        out["e-mail figures"] = f"not measured: {type(exc).__name__}: {exc}"
    return out


def _app(url: str):
    from flask_migrate import upgrade

    from lms import create_app

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
    return app


def _pdf_ratio():
    from lms.certificates.pdf import pdf_cost_ratio

    return round(pdf_cost_ratio(), 2)


def _import_time():
    import tempfile
    from pathlib import Path

    from lms.accounts.services import import_users
    from lms.core.permissions import SYSTEM
    from lms.extensions import db
    from lms.parks.services import load_parks

    parks = ["karachi", "quetta", "lahore", "peshawar", "hyderabad", "multan", "bahawalpur",
             "faisalabad", "rawalpindi", "islamabad", "muzaffarabad", "gilgit"]
    rows = ["email,full_name,role,track,park,institution"]
    rows += [f"learner{i}@import.pk,Learner {i},{'faculty' if i % 13 == 0 else 'student'},,"
             f"{parks[i % 12]},University {i % 40}" for i in range(6500)]
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(f"sqlite:///{Path(tmp) / 'import.db'}")
        with app.app_context():
            load_parks()
            db.session.commit()
            started = time.perf_counter()
            result = import_users(SYSTEM, "\n".join(rows))
            db.session.commit()
            elapsed = time.perf_counter() - started
            assert result.created == 6500, result.errors[:3]
            db.engine.dispose()
    return round(elapsed, 2)


def _clash_time():
    from bench.clash import clash_check_ms

    return clash_check_ms()


def _downloads():
    from bench.downloads import measure as measure_downloads

    return measure_downloads()
