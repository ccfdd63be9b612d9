# Runs after the journeys (file order): its world helpers seed what the journeys make in the browser.
"""axe-core on every main page of every role, at 375 px and at 1280 px: no serious or critical
violation of WCAG 2.2 AA (the journeys run the same check on the pages they visit)."""

from __future__ import annotations

import pytest

from tests.e2e.support import E2E, axe_problems, horizontal_scroll_problems, shot

pytestmark = E2E


def _main_pages(page) -> list[str]:
    """The home page, every link of the main navigation, and the account's own links."""
    page.goto("/")
    links = page.eval_on_selector_all(
        "header.site a[href^='/']", "els => els.map(e => e.getAttribute('href'))")
    seen = []
    for href in ["/", *links]:
        if href not in seen and not href.startswith("/logout"):
            seen.append(href)
    return seen


@pytest.mark.parametrize("role", ["visitor", "admin", "manager", "trainer", "student"])
@pytest.mark.parametrize("phone", [False, True], ids=["1280px", "375px"])
def test_main_pages_pass_axe(world, open_as, role, phone):
    world.ensure_enrolled(world.student)
    world.ensure_session_now()
    page = open_as(None if role == "visitor" else getattr(world, role), phone=phone)
    extra = {"visitor": ["/verify", "/courses"],
             "student": ["/courses", f"/cohorts/{world.ensure_cohort()}"],
             "trainer": [f"/courses/{world.ensure_course()}"],
             "manager": [f"/cohorts/{world.ensure_cohort()}"],
             "admin": []}[role]
    problems = []
    for url in _main_pages(page) + extra:
        page.goto(url)
        found = axe_problems(page)
        if phone:
            found += horizontal_scroll_problems(page)
        if found:
            shot(page, f"axe-{role}-{'phone' if phone else 'laptop'}-{url}")
            problems.append(f"{url}: " + "; ".join(found))
    assert not problems, "\n".join(problems)


def test_check_in_screen_fetches_the_next_code_without_reloading(world, open_as):
    session_id = world.ensure_session_now()
    page = open_as(world.trainer)
    page.clock.install()
    page.goto(f"/attendance/sessions/{session_id}/check-in-screen")
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    page.evaluate("""() => { window.__samePage = true;
        document.querySelector(".check-in-code").setAttribute("data-old", "1"); }""")
    page.clock.run_for(31_000)  # past the rotation: the script asks the server again
    page.wait_for_selector(".check-in-code:not([data-old])")
    assert page.evaluate("() => window.__samePage === true"), "the page reloaded"
    assert page.locator(".check-in-code strong").inner_text().replace(" ", "").isdigit()


def test_phone_header_folds_the_navigation_behind_a_menu_button(world, open_as):
    page = open_as(world.student, phone=True)
    header = page.locator("header.site").bounding_box()
    assert header["height"] < 70, f"the header takes {header['height']} px at 375 px"
    nav_link = page.locator("header nav").get_by_role("link", name="My grades")
    assert not nav_link.is_visible()
    menu = page.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    nav_link.click()
    page.wait_for_url("**/my/grades")


def test_learner_and_admin_navigation(world, open_as):
    student = open_as(world.student)
    for name in ("My grades", "My attendance", "My certificates", "My timetable"):
        assert student.locator("header nav").get_by_role("link", name=name).is_visible(), name
    admin = open_as(world.admin)
    for name in ("Tracks", "Holidays", "Users", "Dashboard"):
        assert admin.locator("header nav").get_by_role("link", name=name).is_visible(), name


def test_submit_names_the_unanswered_questions_and_can_be_cancelled(world, open_as):
    world.ensure_enrolled(world.classmate)
    world.ensure_session_now()
    page = open_as(world.classmate)
    page.goto(f"/assessments/{world.assessment_id()}")
    page.get_by_role("button", name="Start attempt 1").click()
    page.get_by_label("GitHub Actions").check()
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.get_by_role("button", name="Submit attempt").click()
    assert asked == ["Question 2 is not answered. Submit the attempt anyway? "
                     "You cannot change your answers afterwards."]
    assert "/attempts/" in page.url and page.get_by_role("button", name="Submit attempt").is_visible()


@pytest.mark.parametrize("phone", [True, False], ids=["375px", "1280px"])
def test_dashboard_chart_text_is_readable(world, open_as, phone):
    page = open_as(world.admin, phone=phone)
    page.goto("/reports")
    sizes = page.eval_on_selector_all("svg.chart text", """els => els.map(e => {
        const svg = e.ownerSVGElement;  // font size in user units times the drawn scale
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        return parseFloat(getComputedStyle(e).fontSize) * scale; })""")
    assert sizes, "the dashboard draws charts"
    assert min(sizes) >= 11, f"chart text is {min(sizes):.1f} px"
    assert max(sizes) <= 18, f"chart text is {max(sizes):.1f} px"


def test_register_and_course_form_fit_a_phone(world, open_as):
    session_id = world.ensure_session_now()
    world.ensure_enrolled(world.student)
    page = open_as(world.trainer, phone=True)
    page.goto(f"/attendance/sessions/{session_id}/register")
    wrap = page.locator("#register-form .table-wrap")
    absent = page.locator("#col-absent").bounding_box()
    assert absent["x"] + absent["width"] <= 375, "the Absent column is off-screen"
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), "the register scrolls sideways"
    page.goto("/courses/new")
    for box in page.eval_on_selector_all(
            "main fieldset, main input, main select, main textarea",
            "els => els.map(e => e.getBoundingClientRect().right)"):
        assert box <= 375, f"a form part reaches {box} px on a 375 px screen"
