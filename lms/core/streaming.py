"""Streamed downloads that survive the request's end: the body is produced after the view
returned (and, under a real server, after the request's app context and database session closed),
so a stream reads only plain values or opens its own queries, and a failure part-way is logged
and ends the download instead of escaping to the WSGI server."""

import logging
from collections.abc import Callable, Iterable, Iterator

from flask import Response, g, stream_with_context

log = logging.getLogger("lms.streaming")


def guarded(chunks: Iterable, what: str, request_id: str,
            on_error: Callable[[str], object] | None = None) -> Iterator:
    """Yield `chunks`; on a failure log it with the request id and end, after `on_error`'s
    closing chunk (a CSV says so in its last line; a ZIP stops without its directory, so any
    unzip tool reports it incomplete)."""
    try:
        yield from chunks
    except Exception:
        log.exception("streamed download %s failed part-way (request %s)", what, request_id)
        if on_error is not None:
            yield on_error(request_id)


def stream_download(chunks: Iterable, filename: str, mimetype: str,
                    on_error: Callable[[str], object] | None = None) -> Response:
    """A streamed attachment whose failures are logged and end the download cleanly."""
    request_id = getattr(g, "request_id", "-")  # g of this request is gone while streaming
    body = guarded(chunks, filename, request_id, on_error)
    resp = Response(stream_with_context(body), mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp
