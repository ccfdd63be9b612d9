"""Read a response as a real server does: in another thread, with no app context of the test's,
so the request's app context and database session close before the body is iterated."""

import threading

from flask import has_app_context

from lms.extensions import db


def fetch_like_a_server(client, url: str, **kwargs):
    """GET `url` in a fresh thread and read the whole (streamed) body there; return the response.

    The test keeps an app context open, under which a request reuses it and a stream never sees
    its session close; a thread of its own has none, as a gunicorn worker has none.
    """
    if has_app_context():
        db.session.commit()  # end the test's transaction: memory SQLite shares one connection
    out: dict = {}

    def run():
        try:
            resp = client.get(url, buffered=True, **kwargs)  # iterates the body after the app
            out["resp"] = resp
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            out["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(120)
    if "error" in out:
        raise out["error"]
    return out["resp"]
