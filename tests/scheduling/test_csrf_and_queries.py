"""CSRF on the enrolment forms, and list pages that do not grow queries with their rows."""

from datetime import time

import pytest

from lms.extensions import db
from lms.scheduling import services
from tests.conftest import PASSWORD, csrf_token_from


class TestCsrf:
    @pytest.fixture
    def app_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_enrol_needs_the_form_token(self, app, frozen, schedule, make_user, client):
        cohort = schedule()
        learner = make_user("student")
        login_page = client.get("/login").get_data(as_text=True)
        resp = client.post("/login", data={"email": learner.email, "password": PASSWORD,
                                           "csrf_token": csrf_token_from(login_page)})
        assert resp.status_code == 302
        assert client.post(f"/cohorts/{cohort.id}/enrol").status_code == 400
        assert services.enrolled_user_ids(cohort.id) == []
        page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
        resp = client.post(f"/cohorts/{cohort.id}/enrol",
                           data={"csrf_token": csrf_token_from(page)})
        assert resp.status_code == 302
        assert services.enrolled_user_ids(cohort.id) == [learner.id]


def test_cohort_list_queries_do_not_grow_with_rows(app, frozen, schedule, login_as,
                                                   count_queries, make_user, make_course):
    c, _ = login_as("admin")
    schedule()
    with count_queries() as one:
        assert c.get("/cohorts").status_code == 200
    for i in range(4):
        schedule(name=f"Batch {i}", trainer_id=make_user("trainer").id,
                 course_id=make_course().id, meeting_days=["sat"] if i % 2 else ["sun"],
                 start_time=time(8 + 2 * i, 0),
                 end_time=time(9 + 2 * i, 0))
    db.session.commit()
    with count_queries() as five:
        assert c.get("/cohorts").status_code == 200
    assert len(five) == len(one)
