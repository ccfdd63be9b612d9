"""The catalogue list and the course page run a fixed number of SQL queries, whatever the number
of courses, modules, skills, prerequisites and cohorts."""

from datetime import time, timedelta

import pytest

from lms.catalogue.models import Course, CourseModule, CourseSkill, course_prerequisites
from lms.core.timeutil import park_today
from lms.extensions import db
from lms.parks.models import Room


def _build(n_courses: int, owner, park, room, trainer, *, modules=3, cohorts=2, first=0):
    """n published courses, each with modules, skills, a prerequisite and upcoming cohorts."""
    from lms.scheduling.models import Cohort

    start = park_today() + timedelta(days=7)
    courses = []
    for i in range(n_courses):
        c = Course(code=f"QRY-{first + i:03d}", title=f"Course {i}", summary=f"Summary **{i}**",
                   track=("student", "faculty", "both")[i % 3], level="beginner",
                   duration_hours=40, status="published", owner_id=owner.id,
                   industry_partners=["Systems Ltd", "NetSol"])
        db.session.add(c)
        courses.append(c)
    db.session.flush()
    for i, c in enumerate(courses):
        for m in range(modules):
            db.session.add(CourseModule(course_id=c.id, position=m + 1, title=f"M{m}", hours=2,
                                        description=f"Module *{m}*"))
        for s in ("aws", "python", f"skill {i % 7}"):
            db.session.add(CourseSkill(course_id=c.id, name=s))
        if i:
            db.session.execute(course_prerequisites.insert().values(
                course_id=c.id, prerequisite_id=courses[i - 1].id))
        for k in range(cohorts):
            db.session.add(Cohort(course_id=c.id, park_id=park.id, name=f"C{k}",
                                  trainer_id=trainer.id, room_id=room.id, capacity=30,
                                  enrolled_count=k, start_date=start,
                                  end_date=start + timedelta(weeks=6), meeting_days="mon",
                                  start_time=time(9), end_time=time(11), status="open"))
    db.session.commit()
    return courses


def _count(count_queries, client, url):
    with count_queries() as statements:
        resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return len(statements), resp


@pytest.fixture
def world(app, make_user, park, room):
    return {"owner": make_user("trainer"), "trainer": make_user("trainer"), "park": park,
            "room": room}


@pytest.mark.parametrize("who", ["anonymous", "student", "trainer"])
def test_catalogue_list_queries_do_not_grow(app, world, count_queries, login_as, who):
    client = app.test_client() if who == "anonymous" else login_as(who)[0]
    _build(5, world["owner"], world["park"], world["room"], world["trainer"])
    urls = ["/courses?per_page=200", "/courses?per_page=200&q=course&skill=aws&park=lahore",
            "/api/v1/courses?per_page=200"]
    few = [_count(count_queries, client, u)[0] for u in urls]
    more = _build(195, world["owner"], world["park"], world["room"], world["trainer"],
                  first=5)
    assert len(more) == 195
    many = []
    for u in urls:
        n, resp = _count(count_queries, client, u)
        many.append(n)
        if u.startswith("/api"):
            assert resp.get_json()["total"] == 200 and len(resp.get_json()["items"]) == 200
        else:
            assert resp.get_data(as_text=True).count('class="card"') == 200
    print(f"\ncatalogue queries ({who}): 5 courses {few}, 200 courses {many}")
    assert few == many, (few, many)
    assert max(many) <= 8, many


@pytest.mark.parametrize("who", ["anonymous", "student", "admin"])
def test_api_course_list_queries_are_constant(app, world, count_queries, login_as, who):
    """GET /api/v1/courses: count, page, skills, prerequisites (4), for 3 courses as for 30."""
    client = app.test_client() if who == "anonymous" else login_as(who)[0]
    _build(3, world["owner"], world["park"], world["room"], world["trainer"], cohorts=0)
    n_few, resp = _count(count_queries, client, "/api/v1/courses?per_page=200")
    assert resp.get_json()["total"] == 3
    _build(27, world["owner"], world["park"], world["room"], world["trainer"], cohorts=0,
           first=3)
    n_many, resp = _count(count_queries, client, "/api/v1/courses?per_page=200")
    items = resp.get_json()["items"]
    assert len(items) == 30 and all(len(i["skills"]) == 3 for i in items)
    assert sum(len(i["prerequisite_ids"]) for i in items) == 28  # QRY-003 needs none either
    assert n_few == n_many == 4, (n_few, n_many)


def test_course_page_queries_do_not_grow(app, world, count_queries, login_as, other_park):
    client = login_as("student")[0]
    small = _build(5, world["owner"], world["park"], world["room"], world["trainer"],
                   modules=1, cohorts=1)
    n_small, _ = _count(count_queries, client, f"/courses/{small[1].code}")
    api_small, _ = _count(count_queries, client, f"/api/v1/courses/{small[1].id}")
    # a big course: 40 modules, 30 cohorts at two parks, many prerequisites and dependants
    big = _build(195, world["owner"], world["park"], world["room"], world["trainer"],
                 modules=40, cohorts=30, first=5)
    karachi_room = Room(park_id=other_park.id, name="K", capacity=20)
    db.session.add(karachi_room)
    db.session.commit()
    from lms.scheduling.models import Cohort

    for c in db.session.query(Cohort).filter(Cohort.course_id == big[100].id).limit(10):
        c.park_id, c.room_id = other_park.id, karachi_room.id
    for c in big[:50]:  # 50 more prerequisites (big[99] already is one)
        db.session.execute(course_prerequisites.insert().values(
            course_id=big[100].id, prerequisite_id=c.id))
    db.session.commit()
    n_big, resp = _count(count_queries, client, f"/courses/{big[100].code}")
    page = resp.get_data(as_text=True)
    assert page.count("<h3>M") == 40 and "Knowledge Park Karachi" in page
    api_big, resp = _count(count_queries, client, f"/api/v1/courses/{big[100].id}")
    assert len(resp.get_json()["modules"]) == 40
    print(f"\ncourse page queries: html {n_small}/{n_big}, api {api_small}/{api_big}")
    assert n_small == n_big and api_small == api_big, (n_small, n_big, api_small, api_big)
    assert n_big <= 9


def test_track_pages_queries_do_not_grow(app, world, count_queries, login_as):
    from lms.catalogue import services

    client = login_as("faculty")[0]
    courses = _build(5, world["owner"], world["park"], world["room"], world["trainer"])
    admin = login_as("admin")[1]
    faculty_ids = [c.id for c in courses if c.track in ("faculty", "both")]
    t = services.create_track(admin, {"name": "Small", "audience": "faculty",
                                      "course_ids": faculty_ids})
    db.session.commit()
    n_small = (_count(count_queries, client, f"/tracks/{t.id}")[0],
               _count(count_queries, client, "/tracks")[0])
    more = _build(60, world["owner"], world["park"], world["room"], world["trainer"], first=5)
    more_ids = [c.id for c in more if c.track in ("faculty", "both")]
    services.update_track(admin, t, {"course_ids": faculty_ids + more_ids})
    for k in range(5):
        services.create_track(admin, {"name": f"T{k}", "audience": "faculty",
                                      "course_ids": more_ids[k:k + 10]})
    db.session.commit()
    n_big = (_count(count_queries, client, f"/tracks/{t.id}")[0],
             _count(count_queries, client, "/tracks")[0])
    print(f"\ntrack pages queries (track, list): {n_small} / {n_big}")
    assert n_small == n_big, (n_small, n_big)
