"""Sending stored files: Range, ETag, a safe Content-Disposition, X-Accel-Redirect, streamed ZIPs.

Shared by the HTML views and the API. Nothing is read into memory: a download hands werkzeug an
open file (it reads it in chunks and honours Range), a ZIP is generated while it is sent and
opens each stored file only when its turn comes, outside the request context.
"""

from collections.abc import Iterator

from flask import Response, current_app, request
from werkzeug.wsgi import wrap_file
from zipstream import ZIP_STORED, ZipStream

from lms.materials import rules
from lms.materials.models import Blob
from lms.materials.services import ZipEntry, storage
from lms.materials.storage import CHUNK, Storage, key_of

CACHE = "private, max-age=0, must-revalidate"


def _headers(resp: Response, blob: Blob, filename: str) -> Response:
    resp.headers["Content-Disposition"] = rules.content_disposition(filename)
    resp.headers["Cache-Control"] = CACHE
    resp.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'none'; sandbox; frame-ancestors 'none'")
    resp.set_etag(blob.sha256)
    resp.last_modified = blob.created_at
    return resp


def send_blob(blob: Blob, filename: str) -> Response:
    """The stored file as an attachment, with Range, ETag/If-None-Match and its safe name."""
    mimetype = rules.served_type(blob.content_type, blob.active)
    store = storage()
    accel = current_app.config.get("LMS_ACCEL_REDIRECT")
    if accel and store.local_path(blob.sha256):
        resp = Response(b"", mimetype=mimetype)
        resp.headers["X-Accel-Redirect"] = accel.rstrip("/") + "/" + key_of(blob.sha256)
        _headers(resp, blob, filename)
        return resp.make_conditional(request)
    fileobj = store.open(blob.sha256)
    resp = Response(wrap_file(request.environ, fileobj, CHUNK), mimetype=mimetype,
                    direct_passthrough=True)
    resp.content_length = blob.size
    _headers(resp, blob, filename)
    return resp.make_conditional(request, accept_ranges=True, complete_length=blob.size)


def _chunks(store: Storage, sha256: str) -> Iterator[bytes]:
    with store.open(sha256) as fileobj:
        while chunk := fileobj.read(CHUNK):
            yield chunk


def zip_stream(store: Storage, entries: list[ZipEntry]) -> ZipStream:
    """A ZIP of the entries, stored (not compressed: documents and media are compressed already),
    whose size is known in advance; each file is opened when the archive reaches it."""
    zs = ZipStream(compress_type=ZIP_STORED, sized=True)
    for e in entries:
        zs.add(_chunks(store, e.sha256), e.name, size=e.size)
    return zs


def send_zip(entries: list[ZipEntry], filename: str) -> Response:
    """A streamed "download all" ZIP with its length; reads no database after this point."""
    zs = zip_stream(storage(), entries)
    resp = Response(iter(zs), mimetype="application/zip", direct_passthrough=True)
    resp.content_length = len(zs)
    resp.headers["Content-Disposition"] = rules.content_disposition(filename)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
