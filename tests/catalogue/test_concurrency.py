"""PostgreSQL: racing creates of the same course code give one 201 and 409s, never a 500."""

import threading

import sqlalchemy as sa

from lms.catalogue.models import Course, Track
from lms.extensions import db
from tests.catalogue.conftest import course_payload
from tests.conftest import requires_postgres


def _race(app, requests):
    """Run each (method, url, json, headers) at the same moment; return the status codes."""
    barrier = threading.Barrier(len(requests))
    codes: list[int] = []
    lock = threading.Lock()

    def worker(method, url, body, headers):
        client = app.test_client()
        barrier.wait()
        resp = getattr(client, method)(url, json=body, headers=headers)
        with lock:
            codes.append(resp.status_code)

    threads = [threading.Thread(target=worker, args=r) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(codes)


@requires_postgres
def test_same_code_at_once(app, make_user, token_for):
    headers = [token_for(make_user("trainer")) for _ in range(6)]
    codes = _race(app, [("post", "/api/v1/courses", course_payload(title=f"T{i}"), h)
                        for i, h in enumerate(headers)])
    assert codes == [201] + [409] * 5, codes
    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 1


@requires_postgres
def test_same_track_name_at_once(app, make_user, make_course, token_for):
    course = make_course("CLD-101")
    headers = [token_for(make_user("trainer")) for _ in range(4)]
    body = {"name": "Cloud path", "audience": "student", "course_ids": [course.id]}
    codes = _race(app, [("post", "/api/v1/tracks", body, h) for h in headers])
    assert codes == [201] + [409] * 3, codes
    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Track)) == 1
