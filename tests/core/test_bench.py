"""The benchmark's hooks (LMS_BENCH=1): the baseline page and the query count header."""

import pytest


@pytest.fixture
def app_overrides():
    return {"BENCH": True}


def test_baseline_page_and_query_count(client, make_user):
    for n in range(60):
        make_user("student", email=f"row{n}@example.pk")
    resp = client.get("/_bench/baseline?after=0")
    assert resp.status_code == 200
    assert resp.get_data(as_text=True).count("@example.pk</td>") == 50
    # one query (transaction control such as SQLite's BEGIN is not counted)
    assert resp.headers["X-Query-Count"] == "1"


def test_no_bench_hooks_unless_asked():
    from lms import create_app

    plain = create_app("testing").test_client()  # BENCH is off unless LMS_BENCH=1
    assert plain.get("/_bench/baseline").status_code == 404
    assert "X-Query-Count" not in plain.get("/login").headers
