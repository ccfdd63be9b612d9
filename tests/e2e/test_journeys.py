"""End-to-end journeys in Chromium: each person's way through the product, on a laptop or a phone.

In file order they build on each other (the course the trainer writes is the one the manager
schedules and the student takes); each takes what it needs from `world.ensure_*`, so it can run
and fail on its own (`-k`). Key pages are screenshotted into test-artifacts/e2e/ and checked for
labels, heading order, visible focus and no sideways scrolling at 375 px (tests/e2e/support.py).
"""

import re
from datetime import timedelta

import pytest

from tests.e2e.support import ARTIFACTS, E2E, check_page
from tests.e2e.world import (
    ASSESSMENT_TITLE,
    CLASH_COHORT_NAME,
    COHORT_NAME,
    COURSE_CODE,
    COURSE_TITLE,
    ESSAY_PROMPT,
    SINGLE_PROMPT,
)

pytestmark = E2E
expect = pytest.importorskip("playwright.sync_api",
                             reason="browser journeys need Playwright for Python").expect


def flash(page):
    return page.locator(".flashes")


# --- 1. an admin adds a room and a holiday -----------------------------------------------------

def test_admin_adds_a_room_and_a_holiday(world, open_as):
    page = open_as(world.admin)
    check_page(page, "01-admin-home")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Parks").click()
    check_page(page, "01-parks")
    page.get_by_role("link", name="Lahore").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lahore")

    page.get_by_label("Room name").fill("Cloud Lab")
    page.get_by_label("Seats").fill("0")
    page.get_by_role("button", name="Add room").click()
    # 0 seats is "too few", not "missing": the message gives the range
    expect(page.locator(".field.has-error")).to_contain_text("from 1 to 500")
    check_page(page, "01-park-room-error")
    page.get_by_label("Seats").fill("24")
    page.get_by_role("button", name="Add room").click()
    expect(flash(page)).to_contain_text("Room Cloud Lab added.")
    expect(page.get_by_role("cell", name="Cloud Lab")).to_be_visible()
    check_page(page, "01-park-room-added")

    page.get_by_role("link", name=re.compile("Parks")).first.click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Holidays").click()
    day = world.today() + timedelta(days=90)
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Name").fill("Programme review day")
    page.get_by_label("Park").select_option(label="Whole programme")
    page.get_by_role("button", name="Add holiday").click()
    expect(flash(page)).to_contain_text("Holiday Programme review day")
    expect(page.get_by_role("cell", name="Programme review day")).to_be_visible()
    check_page(page, "01-holidays")


# --- 2. a trainer writes a course with modules and an assessment, and publishes it -------------

def test_trainer_writes_and_publishes_a_course(world, open_as):
    page = open_as(world.trainer)
    check_page(page, "02-trainer-home")
    page.get_by_role("link", name="Add a course").click()
    check_page(page, "02-course-form")
    page.get_by_label("Course code").fill(COURSE_CODE)
    page.get_by_label("Title", exact=True).fill(COURSE_TITLE)
    page.get_by_label("Summary (Markdown)").fill("Build, test and ship with **CI/CD**.")
    page.get_by_label("Track").select_option(label="Both tracks")
    page.get_by_label("Level").select_option(label="Intermediate")
    page.get_by_label("Duration (hours)").fill("24")
    page.get_by_label("Skills").fill("ci, docker")
    for i, (title, hours) in enumerate([("Pipelines", "12"), ("Releases and rollbacks", "12")]):
        module = page.get_by_role("group", name=f"Module {i + 1}")
        module.get_by_label("Module title").fill(title)
        module.get_by_label("Hours").fill(hours)
    page.get_by_role("button", name="Save draft").click()
    expect(flash(page)).to_contain_text(f"Draft course {COURSE_CODE} saved")
    expect(page.get_by_role("heading", level=3, name=re.compile("Releases and rollbacks"))
           ).to_be_visible()
    check_page(page, "02-course-draft")

    # the assessment, reached from the course page
    page.get_by_role("link", name="Assessments").click()
    page.get_by_role("link", name="New assessment").click()
    check_page(page, "02-assessment-form")
    page.get_by_label("Title", exact=True).fill(ASSESSMENT_TITLE)
    page.get_by_label("Time limit (minutes)").fill("20")
    page.get_by_role("button", name=re.compile("Save|Create")).click()
    expect(flash(page)).to_contain_text("now add its questions")

    page.get_by_role("link", name="Add a question").click()
    page.get_by_label("Kind").select_option(label="Single choice")
    page.get_by_label("Question", exact=True).fill(SINGLE_PROMPT)
    page.get_by_label("Options (choice questions)").fill("*GitHub Actions\nA spreadsheet")
    check_page(page, "02-question-form")
    page.get_by_role("button", name="Save question").click()
    expect(flash(page)).to_contain_text("Question added.")

    page.get_by_role("link", name="Add a question").click()
    page.get_by_label("Kind").select_option(label="Essay (graded by a trainer)")
    page.get_by_label("Question", exact=True).fill(ESSAY_PROMPT)
    page.get_by_label("Points", exact=True).fill("4")
    page.get_by_role("button", name="Save question").click()
    expect(flash(page)).to_contain_text("Question added.")
    expect(page.get_by_text(ESSAY_PROMPT)).to_be_visible()
    check_page(page, "02-assessment")
    page.get_by_role("button", name="Publish assessment").click()  # a draft until now
    expect(flash(page)).to_contain_text("Assessment published")

    # back to the course and publish it
    page.get_by_role("link", name=f"{COURSE_CODE} · {COURSE_TITLE}").click()
    page.get_by_role("button", name="Publish").click()
    expect(flash(page)).to_contain_text(f"{COURSE_CODE} is published")
    check_page(page, "02-course-published")


# --- 3. a park manager schedules a cohort and sees a clash refused -----------------------------

def test_manager_schedules_a_cohort_and_a_clash_is_refused(world, open_as):
    world.ensure_course()
    world.ensure_clash_cohort()
    page = open_as(world.manager)
    check_page(page, "03-manager-home")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cohorts").click()
    check_page(page, "03-cohorts")
    page.get_by_role("link", name="Schedule a cohort at Lahore").click()
    start = world.today() + timedelta(days=7)

    def fill(starts: str, ends: str):
        page.get_by_label("Course").select_option(label=f"{COURSE_CODE} {COURSE_TITLE}")
        page.get_by_label("Cohort name").fill(COHORT_NAME)
        page.get_by_label("Trainer").select_option(label=f"{world.trainer.full_name} (Lahore)")
        page.get_by_label("Room").select_option(label="Lab A (30 seats)")
        page.get_by_label("Seats").fill("20")
        page.get_by_label("First day").fill(start.isoformat())
        page.get_by_label("Last day").fill((start + timedelta(days=27)).isoformat())
        days = page.get_by_role("group", name="Meeting days")
        for day in ("Monday", "Wednesday"):
            days.get_by_label(day).check()
        page.get_by_label("Starts at (park time)").fill(starts)
        page.get_by_label("Ends at (park time)").fill(ends)
        page.get_by_role("button", name="Schedule cohort").click()

    fill("17:30", "19:30")  # Lab A is taken by the evening batch then
    expect(page.locator(".form-errors")).to_contain_text("clashes with 1 other cohort(s)")
    expect(page.locator(".field.has-error").first).to_contain_text(re.compile(
        rf"is taken by {CLASH_COHORT_NAME}, Mon, Tue, Wed, Thu and Fri 17:00-19:00, on \d+ "
        r"dates from "))
    check_page(page, "03-clash-refused")

    fill("10:00", "12:00")
    expect(flash(page)).to_contain_text(f"Cohort {COHORT_NAME} scheduled with")
    check_page(page, "03-cohort-scheduled")


# --- 4. a student finds the course in the catalogue and enrols ---------------------------------

def test_student_finds_the_course_and_enrols(world, open_as):
    world.ensure_cohort()
    page = open_as(world.student)
    check_page(page, "04-student-home")
    page.get_by_role("link", name="Browse the course catalogue").click()
    page.get_by_role("searchbox", name="Search").fill("pipelines")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_contain_text("1 course found")
    check_page(page, "04-catalogue-search")
    page.get_by_role("link", name=f"{COURSE_CODE} {COURSE_TITLE}").click()
    expect(page.get_by_role("heading", level=2, name="Upcoming cohorts")).to_be_visible()
    check_page(page, "04-course")
    page.get_by_role("link", name=COHORT_NAME).click()
    page.get_by_role("button", name="Enrol").click()
    expect(flash(page)).to_contain_text("You are enrolled.")
    expect(page.locator("section", has=page.get_by_role("heading", name="Your place"))
           ).to_contain_text("You are enrolled.")
    check_page(page, "04-cohort-enrolled")


# --- 5. on a phone: check in with the code on the trainer's screen, take the timed assessment --

def test_student_checks_in_and_takes_the_assessment_on_a_phone(world, open_as):
    world.ensure_enrolled(world.student)
    world.ensure_session_now()
    world.assessment_id()

    screen = open_as(world.trainer)  # the trainer's laptop, on the projector
    screen.get_by_role("link", name="check-in screen").first.click()
    code = screen.locator(".check-in-code strong").inner_text()
    assert re.fullmatch(r"\d{3} \d{3}", code), code
    lines = screen.locator(".check-in-code strong").evaluate(
        "e => Math.round(e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight))")
    assert lines == 1, f"the projected code is broken over {lines} lines"
    check_page(screen, "05-trainer-check-in-screen")

    phone = open_as(world.student, phone=True)
    check_page(phone, "05-phone-home")
    phone.get_by_role("link", name=re.compile(f"Check in: {COHORT_NAME}")).first.click()
    check_page(phone, "05-phone-check-in")
    wrong = f"{(int(code[0]) + 1) % 10}{code[1:]}"
    phone.get_by_label("Code on the screen").fill(wrong)
    phone.get_by_role("button", name="Check in").click()
    expect(phone.locator(".field.has-error")).to_contain_text("Wrong or expired code.")
    check_page(phone, "05-phone-check-in-wrong-code")
    phone.get_by_label("Code on the screen").fill(code)
    phone.get_by_role("button", name="Check in").click()
    expect(flash(phone)).to_contain_text("You are checked in: present.")
    check_page(phone, "05-phone-checked-in")

    phone.get_by_role("button", name="Menu").click()  # the phone folds the navigation
    phone.get_by_role("link", name="Home").first.click()
    phone.get_by_role("link", name=ASSESSMENT_TITLE).click()
    check_page(phone, "05-phone-assessment")
    phone.get_by_role("button", name="Start attempt 1").click()
    expect(phone.locator("#timer")).to_contain_text("Time left")
    expect(phone.locator("#timer-left")).to_contain_text(re.compile(r"^(19|20) min"))
    phone.get_by_label("GitHub Actions").check()
    phone.get_by_label("Your answer").fill("Redeploy the last good release from the pipeline, "
                                           "then find the cause before trying again.")
    expect(phone.locator("#save-status")).to_contain_text(re.compile(r"saved at \d\d:\d\d"))
    check_page(phone, "05-phone-attempt")
    timer_top = phone.locator("#timer").evaluate(  # scrolled to the end, the time is in view
        "e => { window.scrollTo(0, document.body.scrollHeight); return e.getBoundingClientRect().top; }")
    assert 0 <= timer_top < 40, f"the timer scrolled away (top {timer_top} px)"
    asked = []
    phone.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    phone.get_by_role("button", name="Submit attempt").click()
    expect(flash(phone)).to_contain_text("Your attempt was submitted.")
    assert asked and "You cannot change your answers afterwards" in asked[0], asked
    expect(phone.locator("main")).to_contain_text(re.compile("grading", re.I))
    check_page(phone, "05-phone-attempt-submitted")


# --- 6. the trainer corrects the register and grades the essay ---------------------------------

def test_trainer_corrects_the_register_and_grades_the_essay(world, open_as):
    world.ensure_present(world.student)
    world.ensure_enrolled(world.classmate)
    world.ensure_submitted(world.student)
    page = open_as(world.trainer)
    page.get_by_role("link", name="register").first.click()
    expect(page.get_by_role("row", name=re.compile(world.student.full_name))).to_contain_text(
        "present")
    check_page(page, "06-register")
    # Bilal was in the room but his phone was flat: the trainer marks him present
    page.get_by_role("radio", name=f"Present {world.classmate.full_name}").check()
    page.get_by_role("button", name="Save the register").click()
    expect(flash(page)).to_contain_text("Register saved (1 change).")
    expect(page.get_by_role("row", name=re.compile(world.classmate.full_name))).to_contain_text(
        "present")
    check_page(page, "06-register-saved")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Grading").click()
    check_page(page, "06-grading-queue")
    page.get_by_role("link", name=f"Grade {world.student.full_name}").click()
    expect(page.get_by_text("Redeploy the last good release")).to_be_visible()
    page.get_by_label("Points (0 to 4.0)").fill("5")
    page.get_by_role("button", name="Save grades").click()
    expect(page.locator(".field.has-error")).to_contain_text("From 0 to 4.")  # too many points
    check_page(page, "06-grade-error")
    page.get_by_label("Points (0 to 4.0)").fill("3")
    page.get_by_label("Comment for the learner").fill("Clear and safe; mention the database.")
    page.get_by_role("button", name="Save grades").click()
    expect(flash(page)).to_contain_text("Grades saved.")
    expect(page.get_by_role("cell", name="Nothing to grade.")).to_be_visible()


# --- 7. the cohort ends and its certificates are issued ----------------------------------------

def test_certificates_are_issued(world, open_as):
    world.ensure_present(world.student)
    world.ensure_passed(world.student)
    world.ensure_enrolled(world.classmate)
    world.ensure_cohort()
    page = open_as(world.manager)
    asked = []
    page.on("dialog", lambda d: (asked.append(d.message), d.accept()))  # completing asks first
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cohorts").click()
    page.get_by_role("link", name=COHORT_NAME).click()
    for status in ("Running", "Completed"):
        page.get_by_label("New status").select_option(label=status)
        page.get_by_role("button", name="Change status").click()
        expect(flash(page)).to_contain_text(f"The cohort is now {status.lower()}.")
    assert len(asked) == 1, asked  # only completing asked
    check_page(page, "07-cohort-completed")

    page.get_by_role("main").get_by_role("link", name="Certificates", exact=True).click()
    expect(page.get_by_role("row", name=re.compile(world.classmate.full_name))).to_contain_text(
        f"{ASSESSMENT_TITLE} not passed (not attempted)")
    check_page(page, "07-eligibility")
    page.get_by_role("button", name="Issue certificates (1)").click()
    expect(flash(page)).to_contain_text("1 certificate issued; 1 learner skipped.")
    expect(page.get_by_role("row", name=re.compile(world.student.full_name))).to_contain_text("KP-")
    check_page(page, "07-certificates-issued")


# --- 8-10. the student downloads the PDF; a visitor checks its QR link; an admin revokes it ----

def _qr_link(pdf: bytes) -> str | None:
    """The link in the PDF's QR code (needs poppler-utils and zbar-tools, as CI has)."""
    import shutil
    import subprocess
    import tempfile

    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = f"{tmp}/c.pdf"
        with open(src, "wb") as fh:
            fh.write(pdf)
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", src, f"{tmp}/c"],
                       check=True, capture_output=True, timeout=60)
        out = subprocess.run(["zbarimg", "--quiet", "--raw", f"{tmp}/c.png"],
                             capture_output=True, text=True, timeout=60)
    return out.stdout.strip() or None


def test_student_downloads_the_pdf(world, open_as, live_server):
    import hashlib

    code = world.ensure_certificate(world.student)
    page = open_as(world.student, phone=True)
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My certificates").click()
    expect(page.get_by_role("row", name=re.compile(COURSE_TITLE))).to_contain_text(code)
    check_page(page, "08-my-certificates")
    with page.expect_download() as info:
        page.get_by_role("link", name=f"Download the PDF of {COURSE_TITLE}").click()
    download = info.value
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "08-certificate.pdf"
    download.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")

    def stored():
        import sqlalchemy as sa

        from lms.certificates.models import Certificate
        from lms.extensions import db
        return db.session.scalar(sa.select(Certificate.sha256).where(Certificate.code == code))

    assert hashlib.sha256(data).hexdigest() == world.run(stored)
    link = _qr_link(data)
    if link is not None:
        assert link == f"{live_server.url}/verify/{code}"


def test_visitor_opens_the_qr_link_and_sees_it_valid(world, open_as, live_server):
    code = world.ensure_certificate(world.student)
    page = open_as(None, phone=True)  # a visitor: an employer with the paper certificate
    page.goto(f"{live_server.url}/verify/{code}")
    expect(page.get_by_text("This certificate is valid.")).to_be_visible()
    expect(page.locator("main")).to_contain_text(world.student.full_name)
    expect(page.locator("main")).to_contain_text(COURSE_TITLE)
    check_page(page, "09-verify-valid")


def test_admin_revokes_and_the_page_says_revoked(world, open_as, live_server):
    code = world.ensure_certificate(world.student)
    page = open_as(world.admin)
    asked = []
    page.on("dialog", lambda d: (asked.append(d.message), d.accept()))  # revoking asks first
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Certificates").click()
    page.get_by_label("Holder or code").fill(world.student.full_name)
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=code, exact=True).click()
    check_page(page, "10-certificate")
    page.get_by_role("button", name="Revoke certificate").click()
    expect(page.locator(".field.has-error")).to_contain_text("Give the reason for revoking")
    check_page(page, "10-revoke-error")
    page.get_by_label("Reason for revoking").fill("Issued in error: attendance was recorded "
                                                  "for the wrong learner.")
    page.get_by_role("button", name="Revoke certificate").click()
    expect(flash(page)).to_contain_text(f"Certificate {code} revoked.")
    assert asked, "revoking did not ask first"
    check_page(page, "10-certificate-revoked")

    visitor = open_as(None, phone=True)
    visitor.goto(f"{live_server.url}/verify/{code}")
    expect(visitor.get_by_text(re.compile("This certificate was revoked"))).to_be_visible()
    expect(visitor.locator("main")).not_to_contain_text("wrong learner")  # the reason is private
    check_page(visitor, "10-verify-revoked")
