"""Clash and overlap messages: one line per conflicting cohort, naming it with its own days and
times; a learner is addressed as "you" (issue 17 item 7)."""

from datetime import date, time

import pytest

from lms.core.errors import Conflict
from lms.extensions import db
from lms.scheduling import rules, services


def test_clash_line_reads_as_one_sentence():
    dates = [date(2026, 12, 14), date(2026, 12, 16), date(2027, 1, 25)]
    assert rules.clash_line("Lab 1", "is taken by", "Cloud A", ["mon", "wed"], time(17),
                            time(19), dates) == (
        "Lab 1 is taken by Cloud A, Mon and Wed 17:00-19:00, on 3 dates from 14 Dec 2026 to "
        "25 Jan 2027.")
    assert rules.clash_line("You", "already have", "Cloud A", ["mon"], time(17), time(19),
                            [date(2026, 12, 14)]) == (
        "You already have Cloud A, Mon 17:00-19:00, on Mon 14 Dec 2026.")
    assert rules.days_text(["mon", "wed", "fri"]) == "Mon, Wed and Fri"


def test_a_long_clash_is_one_line_per_cohort_and_resource(schedule, cohort_data, manager):
    first = schedule()  # Mon and Wed, 10:00-12:00, January 2026, Lab A, the trainer
    with pytest.raises(Conflict) as exc:
        services.create_cohort(manager, cohort_data(name="Again"))
    fields = exc.value.fields
    trainer = first.trainer.full_name
    assert fields["room_id"] == [
        "Lab A is taken by January batch, Mon and Wed 10:00-12:00, on 8 dates from 5 Jan to "
        "28 Jan."]
    assert fields["trainer_id"] == [
        f"{trainer} is teaching January batch, Mon and Wed 10:00-12:00, on 8 dates from 5 Jan "
        "to 28 Jan."]
    assert exc.value.message == "The schedule clashes with 2 other cohort(s)."


def test_learner_overlap_says_you_and_names_the_cohort(schedule, make_user, make_course,
                                                       other_room):
    a = schedule()
    b = schedule(name="Overlap", room_id=other_room.id, trainer_id=make_user("trainer").id,
                 course_id=make_course().id, start_time=time(11, 0), end_time=time(13, 0),
                 meeting_days=["wed"])
    learner = make_user("student", full_name="Dr. Imran Shah")
    services.enrol(learner, a.id)
    db.session.commit()
    with pytest.raises(Conflict) as exc:
        services.enrol(learner, b.id)
    assert exc.value.fields["user_id"] == [
        "You already have January batch, Mon and Wed 10:00-12:00, on 4 dates from 7 Jan to "
        "28 Jan."]
    db.session.rollback()
    with pytest.raises(Conflict) as exc:
        services.enrol(make_user("admin"), b.id, learner.id)
    assert exc.value.fields["user_id"][0].startswith("Dr. Imran Shah already has January batch")
