"""Destructive actions ask first, without inline script (the CSP forbids it): static/site.js
reads data-confirm attributes (issue 17 item 9)."""

import re

import pytest

from tests.security.world import check_security_headers

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)


def _form_for(html: str, action: str) -> str:
    match = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>', html)
    assert match, f"no form posting to {action}"
    return match.group(0)


@pytest.fixture(scope="module")
def pages(world, clients):
    cohort, session, cert = world.cohort, world.sessions[3], world.certificate
    return {
        "cohort": (clients["manager"].get(f"/cohorts/{cohort.id}"),
                   [(f"/sessions/{session.id}/cancel", "Cancel the session of"),
                    (f"/cohorts/{cohort.id}/status", "Close this cohort?")]),
        "assessment": (clients["trainer"].get(f"/assessments/{world.assessment.id}"),
                       [(f"/questions/{world.question.id}/delete", "Delete question 1?")]),
        "certificate": (clients["admin"].get(f"/certificates/{cert.code}"),
                        [(f"/certificates/{cert.code}/revoke",
                          f"Revoke certificate {cert.code} of Ayesha Siddiqui?")]),
    }


@pytest.mark.parametrize("name", ["cohort", "assessment", "certificate"])
def test_destructive_forms_ask_first_without_inline_script(pages, name):
    resp, forms = pages[name]
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    for action, question in forms:
        tag = _form_for(html, action)
        assert f'data-confirm="{question}' in tag, tag
    assert re.search(r'<script src="/static/site\.js\?v=[0-9a-f]+" defer></script>', html)
    assert not INLINE_SCRIPT.search(html)
    assert " onsubmit=" not in html and " onclick=" not in html
    assert check_security_headers(resp, name) == []


def test_only_closing_the_cohort_asks(pages, world):
    html = pages["cohort"][0].get_data(as_text=True)
    tag = _form_for(html, f"/cohorts/{world.cohort.id}/status")
    assert 'data-confirm-field="status"' in tag
    assert 'data-confirm-values="completed cancelled"' in tag


def test_confirm_script_is_served_and_reads_the_attributes(clients):
    resp = clients["anon"].get("/static/site.js")
    assert resp.status_code == 200 and "javascript" in resp.mimetype
    js = resp.get_data(as_text=True)
    for needle in ("data-confirm", "data-confirm-field", "data-confirm-values",
                   "window.confirm", "preventDefault"):
        assert needle in js
    resp.close()
