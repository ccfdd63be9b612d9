"""Benchmark support, registered only when LMS_BENCH=1: the baseline page and query counts."""

import sqlalchemy as sa
from flask import Blueprint, Flask, g, render_template, request

bp = Blueprint("bench", __name__, url_prefix="/_bench")
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@bp.route("/baseline")
def show_baseline():
    """The yardstick: 50 rows from one indexed query, rendered in the site layout."""
    from lms.accounts.models import User
    from lms.extensions import db

    after = request.args.get("after", 0, type=int)
    users = db.session.execute(
        sa.select(User.id, User.full_name, User.email, User.role).where(User.id > after)
        .order_by(User.id).limit(50)).all()
    return render_template("bench_baseline.html", users=users)


def init_bench(app: Flask) -> None:
    """Add the baseline page and an X-Query-Count header on every response."""
    from lms.extensions import db

    app.register_blueprint(bp)

    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, *args):
        # transaction control is not a query (and SQLite sends BEGIN as a statement, PostgreSQL
        # does not): counting it would make the two databases' figures differ
        if g and not statement.lstrip()[:9].upper().startswith(TRANSACTION_CONTROL):
            g.bench_queries = g.get("bench_queries", 0) + 1

    @app.after_request
    def _header(resp):
        resp.headers["X-Query-Count"] = str(g.get("bench_queries", 0))
        return resp
