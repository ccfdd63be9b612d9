"""The signing keys: a JWKS file outside the database (LMS_SIGNING_KEY_FILE).

The file holds the current RSA key with its private part first, then the public parts of every
earlier key: rotation makes a new current key and keeps the old public keys, so credentials
signed before still verify against the published JWKS. Written atomically, mode 0600.
No Flask here: the services pass the path.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from joserfc.jwk import RSAKey

KEY_BITS = 2048
ALGORITHM = "RS256"
_cache: dict[str, tuple[tuple[int, int], Keyring]] = {}
_lock = threading.Lock()


class KeyringError(Exception):
    """The key file is missing, unreadable or malformed; the message says what to do."""


@dataclass(frozen=True)
class Keyring:
    """The current private key (None if the file has only public keys) and all public keys."""

    current: RSAKey | None
    public: tuple[RSAKey, ...]

    @property
    def current_kid(self) -> str | None:
        """The thumbprint of the signing key."""
        return self.current.thumbprint() if self.current is not None else None

    def find(self, thumbprint: str) -> RSAKey | None:
        """The public key with this thumbprint, if published."""
        return next((k for k in self.public if k.thumbprint() == thumbprint), None)

    def jwks(self) -> dict:
        """The published JWKS: public parts only, each with kid, alg and use."""
        return {"keys": [public_jwk(k) for k in self.public]}


def public_jwk(key: RSAKey) -> dict:
    """A key's public JWK (never `d` or the other private members)."""
    return {**key.as_dict(private=False), "kid": key.thumbprint(), "alg": ALGORITHM, "use": "sig"}


def new_key() -> RSAKey:
    """A fresh RSA signing key."""
    return RSAKey.generate_key(KEY_BITS, private=True)


def _document(current: RSAKey | None, older: list[RSAKey]) -> dict:
    """The file's JWKS: the current key with its private part, then the older public keys."""
    keys = []
    if current is not None:
        keys.append({**current.as_dict(private=True), "kid": current.thumbprint(),
                     "alg": ALGORITHM, "use": "sig"})
    keys.extend(public_jwk(k) for k in older)
    return {"keys": keys}


def parse(text: str) -> Keyring:
    """A keyring from the file's text; KeyringError if it is not a JWKS of RSA keys."""
    try:
        data = json.loads(text)
        entries = data["keys"]
        keys = [RSAKey.import_key(entry) for entry in entries]
    except (ValueError, KeyError, TypeError) as exc:
        raise KeyringError(f"the key file is not a JWKS of RSA keys ({exc})") from None
    current = next((k for k in keys if k.is_private), None)
    public, seen = [], set()
    for key in keys:
        thumb = key.thumbprint()
        if thumb not in seen:
            seen.add(thumb)
            public.append(RSAKey.import_key(key.as_dict(private=False)))
    return Keyring(current=current, public=tuple(public))


def load(path: Path) -> Keyring:
    """The keyring in `path` (re-read when the file changes); KeyringError if missing or bad."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise KeyringError(f"no signing key file at {path}") from None
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _lock:
        cached = _cache.get(str(path))
        if cached and cached[0] == stamp:
            return cached[1]
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyringError(f"the signing key file {path} cannot be read ({exc.strerror})") from None
    ring = parse(text)
    with _lock:
        _cache[str(path)] = (stamp, ring)
    return ring


def _write_temp(path: Path, document: dict) -> Path:
    """A finished temporary file (mode 0600) beside `path` holding `document`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".signing-keys-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(document, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def create(path: Path) -> Keyring:
    """A new key file with one key; KeyringError if the file exists (never overwritten).

    The file appears atomically (a hard link of a finished temporary file), so two processes
    creating it at once end up with one key file and both use it.
    """
    temp = _write_temp(path, _document(new_key(), []))
    try:
        os.link(temp, path)
    except FileExistsError:
        raise KeyringError(f"{path} exists already; use `flask lms keys rotate`") from None
    finally:
        temp.unlink(missing_ok=True)
    return load(path)


def ensure(path: Path) -> Keyring:
    """The keyring in `path`, made on first need (development and tests only)."""
    try:
        return load(path)
    except KeyringError:
        if path.exists():
            raise
    try:
        return create(path)
    except KeyringError:
        return load(path)  # another process made it a moment ago


def rotate(path: Path) -> tuple[str, list[str]]:
    """A new current key; the old keys stay as public keys. Returns (new kid, older kids)."""
    ring = load(path)
    fresh = new_key()
    older = list(ring.public)
    _replace(path, _document(fresh, older))
    return fresh.thumbprint(), [k.thumbprint() for k in older]


def _replace(path: Path, document: dict) -> None:
    """Replace the key file atomically."""
    temp = _write_temp(path, document)
    os.replace(temp, path)
