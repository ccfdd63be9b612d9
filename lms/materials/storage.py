"""Where the bytes live, content-addressed by SHA-256: a directory (default) or an S3 bucket.

The database keeps names, sizes, types and hashes; a blob is written once whatever the number of
materials and uploads that use it. Nothing here imports Flask: `storage_for(config)` builds the
backend from the settings, and the objects work outside a request (the streamed ZIP needs that).
"""

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

from lms.materials.sniff import HEAD_BYTES

CHUNK = 1024 * 1024


class TooLarge(Exception):
    """The stream is longer than the limit it was received with."""


@dataclass(frozen=True)
class Received:
    """A stream saved to a temporary file: its path, hash, size and first bytes."""

    path: str
    sha256: str
    size: int
    head: bytes

    def discard(self) -> None:
        """Remove the temporary file (if it is still there)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


def key_of(sha256: str) -> str:
    """The blob's relative key: ab/cd/abcd... (two levels keep directories small)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class Storage(Protocol):
    """What every backend offers."""

    def temp_dir(self) -> str | None: ...
    def store(self, received: Received) -> bool: ...
    def exists(self, sha256: str) -> bool: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def local_path(self, sha256: str) -> str | None: ...
    def delete(self, sha256: str) -> None: ...


def receive(stream: BinaryIO, limit: int, temp_dir: str | None = None) -> Received:
    """Copy a stream to a temporary file, hashing it on the way; TooLarge past `limit` bytes."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    if temp_dir:
        os.makedirs(temp_dir, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix="upload-", dir=temp_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge
                if len(head) < HEAD_BYTES:
                    head += chunk[:HEAD_BYTES - len(head)]
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        os.unlink(path)
        raise
    return Received(path, digest.hexdigest(), size, head)


class DirectoryStorage:
    """Blobs as files under one directory (instance/files by default)."""

    def __init__(self, root: str):
        self.root = os.path.abspath(root)

    def temp_dir(self) -> str:
        """Temporary files go beside the blobs, so that storing one is an atomic rename."""
        return os.path.join(self.root, "tmp")

    def path(self, sha256: str) -> str:
        """The blob's file path."""
        return os.path.join(self.root, *key_of(sha256).split("/"))

    def store(self, received: Received) -> bool:
        """Move the received file into place; False (and the copy dropped) if already stored."""
        target = self.path(received.sha256)
        if os.path.exists(target):
            received.discard()
            return False
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.chmod(received.path, 0o644)
        os.replace(received.path, target)  # atomic: two writers of one hash leave one file
        return True

    def exists(self, sha256: str) -> bool:
        """True when the blob is stored."""
        return os.path.exists(self.path(sha256))

    def open(self, sha256: str) -> BinaryIO:
        """The blob for reading (seekable)."""
        return open(self.path(sha256), "rb")  # noqa: SIM115  the caller (the response) closes it

    def local_path(self, sha256: str) -> str:
        """The blob's path on this machine."""
        return self.path(sha256)

    def delete(self, sha256: str) -> None:
        """Remove the blob (when nothing uses it any more)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path(sha256))


class S3Storage:
    """Blobs as objects of an S3-compatible bucket (credentials and endpoint from the environment:
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL, AWS_DEFAULT_REGION)."""

    def __init__(self, bucket: str, prefix: str = "", client=None):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        if client is None:
            import boto3

            client = boto3.client("s3")
        self.client = client

    def object_key(self, sha256: str) -> str:
        """The object's key in the bucket."""
        return f"{self.prefix}/{key_of(sha256)}" if self.prefix else key_of(sha256)

    def temp_dir(self) -> None:
        """The system's temporary directory."""
        return None

    def exists(self, sha256: str) -> bool:
        """True when the object is in the bucket."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def store(self, received: Received) -> bool:
        """Upload the received file unless the bucket has it; the temporary file is removed."""
        try:
            if self.exists(received.sha256):
                return False
            self.client.upload_file(received.path, self.bucket, self.object_key(received.sha256),
                                    ExtraArgs={"ContentType": "application/octet-stream"})
            return True
        finally:
            received.discard()

    def open(self, sha256: str) -> BinaryIO:
        """A streaming body of the object (read in chunks, not seekable)."""
        return self.client.get_object(Bucket=self.bucket, Key=self.object_key(sha256))["Body"]

    def local_path(self, sha256: str) -> None:
        """Objects have no local path."""
        return None

    def delete(self, sha256: str) -> None:
        """Remove the object."""
        self.client.delete_object(Bucket=self.bucket, Key=self.object_key(sha256))


def storage_for(storage_url: str, files_dir: str) -> Storage:
    """The backend named by STORAGE_URL (s3://bucket/prefix), else the directory backend."""
    if storage_url:
        parts = urlsplit(storage_url)
        if parts.scheme != "s3" or not parts.netloc:
            raise RuntimeError("STORAGE_URL must look like s3://bucket/prefix")
        return S3Storage(parts.netloc, parts.path)
    return DirectoryStorage(files_dir)
