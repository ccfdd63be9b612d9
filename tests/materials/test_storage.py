"""The storage backends: the directory (unit tests) and S3 against moto's server mode."""

import hashlib
import io
import zipfile

import pytest

from lms.materials.storage import (
    DirectoryStorage,
    S3Storage,
    TooLarge,
    key_of,
    receive,
    storage_for,
)
from tests.materials.conftest import PDF, upload


def test_receive_hashes_and_limits(tmp_path):
    got = receive(io.BytesIO(PDF), len(PDF), str(tmp_path))
    assert got.sha256 == hashlib.sha256(PDF).hexdigest() and got.size == len(PDF)
    assert got.head == PDF[:8192]
    with pytest.raises(TooLarge):
        receive(io.BytesIO(PDF), len(PDF) - 1, str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [got.path.rsplit("/", 1)[-1]]


def test_directory_backend_stores_once(tmp_path):
    store = DirectoryStorage(str(tmp_path / "files"))
    first = receive(io.BytesIO(PDF), 10**6, store.temp_dir())
    second = receive(io.BytesIO(PDF), 10**6, store.temp_dir())
    assert store.store(first) is True and store.store(second) is False
    assert store.exists(first.sha256)
    with store.open(first.sha256) as f:
        assert f.read() == PDF
    assert store.local_path(first.sha256).endswith(key_of(first.sha256))
    store.delete(first.sha256)
    assert not store.exists(first.sha256)


def test_keys_refuse_anything_but_a_digest():
    for bad in ("../../etc/passwd", "A" * 64, "abc"):
        with pytest.raises(ValueError):
            key_of(bad)


def test_storage_url():
    assert isinstance(storage_for("", "/tmp/x"), DirectoryStorage)  # noqa: S108
    with pytest.raises(RuntimeError):
        storage_for("http://bucket/x", "/tmp/x")  # noqa: S108


@pytest.fixture(scope="module")
def moto_server():
    server_mod = pytest.importorskip("moto.server")
    # a free port of the system's choosing: with a fixed one, a second run on the machine made
    # start() wait for ever (the server thread died on "address in use")
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_env(moto_server, monkeypatch):
    import boto3

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_ENDPOINT_URL": moto_server}.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3")
    bucket = f"lms-{hashlib.sha1(str(id(monkeypatch)).encode(), usedforsecurity=False).hexdigest()[:10]}"
    client.create_bucket(Bucket=bucket)
    return client, bucket


def test_s3_backend(s3_env, tmp_path):
    client, bucket = s3_env
    store = S3Storage(bucket, "/materials/", client)
    first = receive(io.BytesIO(PDF), 10**6)
    second = receive(io.BytesIO(PDF), 10**6)
    assert store.store(first) is True and store.store(second) is False
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [f"materials/{key_of(first.sha256)}"]
    body = store.open(first.sha256)
    assert body.read() == PDF
    assert store.local_path(first.sha256) is None
    store.delete(first.sha256)
    assert not store.exists(first.sha256)


class TestS3App:
    @pytest.fixture
    def app_overrides(self, s3_env):
        return {"STORAGE_URL": f"s3://{s3_env[1]}/lms"}

    def test_upload_download_range_zip_through_s3(self, app, client, w, token_for, login_as,
                                                   s3_env):
        s3, bucket = s3_env
        m = upload(client, w.course.id, PDF, "notes.pdf", token_for(w.owner)).get_json()
        objects = s3.list_objects_v2(Bucket=bucket)["Contents"]
        assert [o["Key"] for o in objects] == [f"lms/{key_of(m['sha256'])}"]
        h = token_for(w.learner)
        got = client.get(m["url"], headers=h)
        assert got.status_code == 200 and got.data == PDF
        part = client.get(m["url"], headers={**h, "Range": "bytes=10-19"})
        assert part.status_code == 206 and part.data == PDF[10:20]
        assert client.get(m["url"], headers={**h, "If-None-Match": f'"{m["sha256"]}"'}
                          ).status_code == 304
        learner, _ = login_as("student", user=w.learner)
        resp = learner.get(f"/courses/{w.course.id}/materials.zip", buffered=False)
        zf = zipfile.ZipFile(io.BytesIO(b"".join(resp.response)))
        assert zf.read("notes.pdf") == PDF
