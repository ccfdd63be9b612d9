"""Delivery through a real SMTP server: welcome messages, retries, leases, throttling, the CLI."""

import re
from datetime import timedelta

import sqlalchemy as sa
import time_machine

from lms.accounts import services as accounts
from lms.core.permissions import SYSTEM
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.notifications import worker
from lms.notifications.mailer import SmtpMailer
from lms.notifications.models import OutboxMessage
from tests.notifications.conftest import PUBLIC, outbox, parts, run_worker


def _new_learner(email="amina@example.pk", park_id=None):
    user = accounts.create_user(SYSTEM, {"email": email, "full_name": "Amina Khan",
                                         "role": "student", "park_id": park_id})
    db.session.commit()
    return user


def test_staff_created_user_gets_a_welcome_with_a_working_set_password_link(app, client, smtp,
                                                                            park):
    _new_learner(park_id=park.id)
    [queued] = outbox()
    assert (queued.kind, queued.status, queued.to_addr) == ("welcome", "queued", "amina@example.pk")
    assert smtp.messages == []  # nothing is sent by the request itself
    result = run_worker()
    assert result.sent == 1
    [mail] = smtp.to("amina@example.pk")
    assert mail["Subject"].startswith("Welcome to Knowledge Park LMS")
    assert mail["From"] == "Knowledge Park LMS <lms@example.test>"
    assert mail["List-Unsubscribe"] is None  # a security message: not optional
    text, html = parts(mail)
    link = re.search(rf"{re.escape(PUBLIC)}/set-password/\S+", text).group(0)
    assert link in html and "Amina Khan" in html
    assert "Choose which e-mails" not in text  # no settings link on security messages
    [sent] = outbox()
    assert sent.status == "sent" and sent.sent_at is not None and sent.attempts == 1
    path = link[len(PUBLIC):]
    resp = client.post(path, data={"password": "a brand new password", "confirm": "a brand new password"})
    assert resp.status_code == 302
    assert client.post(path, data={"password": "another new password", "confirm": "another new password"}).status_code in (404, 422)


def test_user_made_with_a_password_gets_no_welcome(app, smtp):
    accounts.create_user(SYSTEM, {"email": "boss@example.pk", "full_name": "Boss",
                                  "role": "admin"}, password="a long enough password")
    db.session.commit()
    assert outbox() == []


def test_a_rolled_back_change_sends_nothing(app, smtp):
    accounts.create_user(SYSTEM, {"email": "ghost@example.pk", "full_name": "Ghost",
                                  "role": "student"})
    db.session.rollback()
    assert outbox() == []
    assert run_worker().sent == 0 and smtp.messages == []


def test_import_queues_a_welcome_per_new_user_and_the_page_counts_them(app, login_as, smtp,
                                                                       park):
    rows = "\n".join(f"learner{i}@example.pk,Learner {i},student,,lahore," for i in range(40))
    csv = "email,full_name,role,track,park,institution\n" + rows + "\n"
    admin_client, _admin = login_as("admin")
    resp = admin_client.post("/api/v1/users/import", data=csv, content_type="text/csv")
    assert resp.status_code == 200, resp.get_json()
    assert len(outbox(kind="welcome")) == 40
    page = admin_client.get("/users/import").get_data(as_text=True)
    assert "40 queued, 0 sent" in page
    run_worker()
    assert len(smtp.messages) == 40
    assert "0 queued, 40 sent" in admin_client.get("/users/import").get_data(as_text=True)
    # the same file again: nobody new, nothing queued
    admin_client.post("/api/v1/users/import", data=csv, content_type="text/csv")
    assert len(outbox(kind="welcome")) == 40


def test_an_import_with_errors_queues_nothing(app, login_as, smtp):
    csv = ("email,full_name,role,track,park,institution\n"
           "ok@example.pk,Ok,student,,lahore,\nbad,Bad,student,,lahore,\n")
    admin_client, _ = login_as("admin")
    resp = admin_client.post("/api/v1/users/import", data=csv, content_type="text/csv")
    assert resp.status_code == 422
    assert outbox() == []


def test_refused_messages_are_retried_with_backoff_then_sent(app, smtp):
    _new_learner()
    smtp.refuse = 2
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        assert run_worker().retried == 1
        [msg] = outbox()
        assert msg.status == "queued" and msg.attempts == 1 and "451" in msg.last_error
        assert msg.next_attempt_at == start + timedelta(minutes=1)
        assert run_worker().claimed == 0  # not due yet
        clock.shift(timedelta(seconds=61))
        assert run_worker().retried == 1
        [msg] = outbox()
        assert msg.attempts == 2 and msg.next_attempt_at > utcnow() + timedelta(seconds=100)
        clock.shift(timedelta(minutes=3))
        assert run_worker().sent == 1
    [msg] = outbox()
    assert msg.status == "sent" and msg.attempts == 3 and msg.last_error is None
    assert len(smtp.messages) == 1


def test_after_the_last_try_a_message_fails_and_an_admin_sends_it_again(app, smtp, login_as,
                                                                        token_for):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    _new_learner()
    smtp.refuse = 5
    with time_machine.travel(utcnow(), tick=False) as clock:
        run_worker()
        clock.shift(timedelta(minutes=2))
        assert run_worker().failed == 1
    [msg] = outbox()
    assert msg.status == "failed" and msg.attempts == 2
    admin_client, admin = login_as("admin")
    listed = admin_client.get("/api/v1/outbox?status=failed").get_json()
    assert listed["total"] == 1 and listed["items"][0]["last_error"].startswith("451")
    assert set(listed["items"][0]) >= {"id", "to", "kind", "subject", "status", "attempts",
                                       "created_at", "sent_at", "last_error"}
    smtp.refuse = 0
    resp = admin_client.post(f"/api/v1/outbox/{msg.id}/retry", json={})
    assert resp.status_code == 200 and resp.get_json()["status"] == "queued"
    again = admin_client.post(f"/api/v1/outbox/{msg.id}/retry", json={})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_failed"
    assert run_worker().sent == 1
    assert len(smtp.messages) == 1


def test_a_mail_server_that_is_down_loses_nothing(app, smtp, mail_settings):
    from tests.notifications.conftest import free_port

    app.config["MAIL_PORT"] = free_port()  # nobody listens there
    _new_learner()
    result = run_worker()
    assert result.retried == 1 and "refused" in result.errors[0].lower()
    [msg] = outbox()
    assert msg.status == "queued"
    app.config["MAIL_PORT"] = mail_settings["MAIL_PORT"]
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
        assert run_worker().sent == 1
    assert len(smtp.messages) == 1


def test_a_worker_killed_mid_batch_loses_nothing(app, smtp):
    for i in range(3):
        _new_learner(f"l{i}@example.pk")
    ids, _throttled = worker.claim("dead-worker")  # claimed, then the worker "dies"
    assert len(ids) == 3
    assert {m.status for m in outbox()} == {"sending"}
    assert run_worker().claimed == 0  # another worker leaves leased messages alone
    with time_machine.travel(utcnow() + worker.LEASE + timedelta(seconds=1), tick=False):
        assert run_worker().sent == 3
    assert sorted(m["To"] for m in smtp.messages) == [f"l{i}@example.pk" for i in range(3)]
    # the dead worker wakes up: its outcome is not written over the new one
    assert worker._finish(ids[0], "dead-worker", status="queued") is False
    assert {m.status for m in outbox()} == {"sent"}


def test_sending_is_throttled_to_the_rate(app, smtp):
    app.config["MAIL_MAX_PER_MINUTE"] = 3
    for i in range(5):
        _new_learner(f"t{i}@example.pk")
    with time_machine.travel(utcnow(), tick=False) as clock:
        with SmtpMailer(app.config) as mailer:
            first = worker.drain("w1", mailer, wait_when_throttled=False)
        assert first.sent == 3 and first.throttled
        with SmtpMailer(app.config) as mailer:
            assert worker.drain("w1", mailer, wait_when_throttled=False).sent == 0
        clock.shift(timedelta(seconds=61))
        with SmtpMailer(app.config) as mailer:
            assert worker.drain("w1", mailer, wait_when_throttled=False).sent == 2
    assert len(smtp.messages) == 5


def test_without_a_mail_server_messages_stay_in_the_outbox(app, smtp):
    app.config["MAIL_SERVER"] = ""
    _new_learner()
    run_worker()
    assert [m.status for m in outbox()] == ["queued"] and smtp.messages == []


def test_worker_command_once(app, smtp):
    _new_learner()
    result = app.test_cli_runner().invoke(args=["lms", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    assert len(smtp.messages) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == "sent")) == 1


def test_bulk_welcomes_match_one_by_one_rendering_and_escape_names(app, smtp):
    from types import SimpleNamespace

    from lms.notifications import services

    people = [SimpleNamespace(id=None, email=f"p{i}@example.pk", full_name=name)
              for i, name in enumerate(["Zara <b>&</b> \"Q\"", "Ali Raza"])]
    services.queue_stamped("welcome", people, lambda u: {"link": f"{PUBLIC}/set-password/{u.email}?a=1&b=2"})
    for p in people:
        services.queue("welcome", p, link=f"{PUBLIC}/set-password/{p.email}?a=1&b=2")
    db.session.commit()
    stamped, single = outbox()[:2], outbox()[2:]
    for a, b in zip(stamped, single, strict=True):
        assert (a.subject, a.body_text, a.body_html) == (b.subject, b.body_text, b.body_html)
    assert "Zara &lt;b&gt;&amp;&lt;/b&gt; &#34;Q&#34;" in stamped[0].body_html
    assert 'href="https://lms.example.test/set-password/p0@example.pk?a=1&amp;b=2"' in \
        stamped[0].body_html
    assert "Zara <b>&</b>" in stamped[0].body_text
