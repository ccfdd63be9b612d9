"""Static files for weak connections: content-hashed URLs cached for a year, compressed responses.

`url_for('static', filename='style.css')` gives `/static/style.css?v=<hash of the bytes>`: a page
names the exact version it needs, so a browser (or nginx in front, see deploy/) may keep it for a
year without asking again, and a changed file gets a new URL. A request with no or an old hash is
answered as before, with `no-cache` (the browser revalidates with its ETag).
HTML, CSS, JavaScript, JSON, CSV and SVG are compressed (Flask-Compress) when the client accepts it:
whole bodies with brotli or gzip, streamed ones (static files, CSV exports) with brotli or deflate.
"""

import hashlib
import os
from pathlib import Path

from flask import Flask, request

IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSED_TYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                    "application/json", "text/csv", "image/svg+xml", "text/plain",
                    "application/manifest+json", "text/calendar"]


class StaticDigests:
    """The short SHA-256 of each static file's bytes, read once (again when the file changes)."""

    def __init__(self, folder: str):
        self.folder = Path(folder)
        self._known: dict[str, tuple[float, str]] = {}

    def digest(self, filename: str) -> str | None:
        """The file's version string, or None when there is no such file."""
        path = (self.folder / filename).resolve()
        if self.folder.resolve() not in path.parents or not path.is_file():
            return None
        mtime = os.stat(path).st_mtime
        known = self._known.get(filename)
        if known and known[0] == mtime:
            return known[1]
        value = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        self._known[filename] = (mtime, value)
        return value


def init_assets(app: Flask) -> None:
    """Hashed static URLs with a year-long cache, compression, and /favicon.ico."""
    from flask_compress import Compress

    digests = StaticDigests(app.static_folder)
    app.extensions["lms_static_digests"] = digests

    @app.url_defaults
    def _static_version(endpoint, values):
        if endpoint == "static" and "v" not in values:
            version = digests.digest(values.get("filename", ""))
            if version:
                values["v"] = version

    @app.after_request
    def _static_cache(resp):
        if request.endpoint == "static" and resp.status_code in (200, 304):
            filename = (request.view_args or {}).get("filename", "")
            wanted = request.args.get("v")
            if wanted and wanted == digests.digest(filename):
                resp.headers["Cache-Control"] = IMMUTABLE
            else:
                resp.headers["Cache-Control"] = "no-cache"
        return resp

    @app.get("/favicon.ico")
    def favicon():
        return app.send_static_file("favicon.ico")

    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    # streamed bodies (static files, CSV exports) are compressed chunk by chunk, which
    # Flask-Compress does with brotli or deflate only (every current browser sends both)
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_LEVEL", 6)
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    Compress(app)
