"""Fixtures of the materials tests: a course with modules, a cohort, people of every role, and a
storage directory of each test's own."""

from types import SimpleNamespace

import pytest

from lms.catalogue.models import CourseModule
from lms.extensions import db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
HTML_AS_PDF = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG_SCRIPT = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
              b"<script>alert(1)</script></svg>")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 100


@pytest.fixture
def app_overrides(tmp_path):
    return {"LMS_FILES_DIR": str(tmp_path / "files")}


@pytest.fixture
def w(app, make_user, make_course, make_cohort, enrol):
    """owner (course), teacher (cohort trainer), learner and faculty enrolled, outsider learner,
    other trainer, manager, admin; a course with two modules and a cohort of four sessions."""
    owner = make_user("trainer")
    teacher = make_user("trainer")
    course = make_course(owner=owner)
    db.session.add_all([CourseModule(course_id=course.id, position=1, title="Basics", hours=4),
                        CourseModule(course_id=course.id, position=2, title="Labs", hours=6)])
    db.session.commit()
    cohort = make_cohort(course=course, trainer=teacher)
    learner, faculty = make_user("student"), make_user("faculty")
    enrol(cohort, learner)
    enrol(cohort, faculty)
    return SimpleNamespace(
        owner=owner, teacher=teacher, course=course, cohort=cohort, learner=learner,
        faculty=faculty, outsider=make_user("student"), other_trainer=make_user("trainer"),
        manager=make_user("park_manager"), admin=make_user("admin"),
        modules=list(course.modules), sessions=list(cohort.sessions))


def upload(client, course_id, data: bytes, name: str = "notes.pdf", headers=None, **fields):
    """POST a file material through the API (multipart)."""
    from io import BytesIO

    form = {"title": fields.pop("title", "Notes"), **{k: str(v) for k, v in fields.items()},
            "file": (BytesIO(data), name)}
    return client.post(f"/api/v1/courses/{course_id}/materials", data=form, headers=headers or {},
                       content_type="multipart/form-data")
