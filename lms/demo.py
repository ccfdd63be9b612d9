"""The demonstration programme of `lms seed-demo`; each feature adds its part."""

import secrets
from datetime import timedelta

import sqlalchemy as sa

from lms.accounts.models import User
from lms.core.timeutil import park_today
from lms.extensions import db
from lms.parks.models import Holiday, Park, Room
from lms.parks.services import load_parks

DEMO_USERS = [
    ("admin@kp.demo", "Ayesha Siddiqui", "admin", None, None),
    ("manager.lahore@kp.demo", "Bilal Ahmed", "park_manager", "lahore", None),
    ("manager.karachi@kp.demo", "Sana Qureshi", "park_manager", "karachi", None),
    ("trainer.cloud@kp.demo", "Usman Tariq", "trainer", "lahore", None),
    ("trainer.data@kp.demo", "Fatima Noor", "trainer", "karachi", None),
    ("student1@kp.demo", "Ali Raza", "student", "lahore", "UET Lahore"),
    ("student2@kp.demo", "Hina Baloch", "student", "lahore", "FAST-NUCES Lahore"),
    ("student3@kp.demo", "زینب خان", "student", "karachi", "NED University"),
    ("faculty1@kp.demo", "Dr. Imran Shah", "faculty", "lahore", "University of the Punjab"),
]


def seed_demo() -> dict[str, str]:
    """Create the demo users, rooms and holidays (and what features add); {} if already there."""
    load_parks()
    if db.session.scalar(sa.select(User.id).where(User.email == DEMO_USERS[0][0])):
        return {}
    parks = {p.slug: p for p in db.session.scalars(sa.select(Park))}
    passwords: dict[str, str] = {}
    users: dict[str, User] = {}
    for email, name, role, park, institution in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        user = User(email=email, full_name=name, role=role, institution=institution,
                    park_id=parks[park].id if park else None)
        user.set_password(password)
        db.session.add(user)
        users[email] = user
        passwords[email] = password
    for slug, rooms in (("lahore", [("Lab A", 30), ("Lab B", 24)]),
                        ("karachi", [("Cloud Lab", 32), ("Studio 2", 20)])):
        for name, capacity in rooms:
            db.session.add(Room(park_id=parks[slug].id, name=name, capacity=capacity))
    today = park_today()
    db.session.add(Holiday(day=today + timedelta(days=40), name="Programme review day"))
    db.session.flush()
    for module in _feature_demos():
        module.seed(users, parks)
    return passwords


def _feature_demos():
    """The `demo` modules of the features that have one, in FEATURES order."""
    import importlib
    import importlib.util

    from lms import FEATURES

    for name in FEATURES:
        if importlib.util.find_spec(f"lms.{name}.demo") is not None:
            yield importlib.import_module(f"lms.{name}.demo")
