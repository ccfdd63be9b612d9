"""Park rules: the twelve parks and the split of the programme targets."""

from lms.parks import rules


def test_split_target_adds_up_and_weights_phase_one():
    phases = [p.phase for p in rules.PARKS]
    students = rules.split_target(6000, phases)
    faculty = rules.split_target(500, phases)
    assert sum(students) == 6000 and sum(faculty) == 500
    assert students[0] == 2 * students[-1]
    assert min(faculty[:4]) > max(faculty[4:])


def test_split_target_known_answers():
    phases = [1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]
    assert rules.split_target(6000, phases) == [750] * 4 + [375] * 8
    # 500 / 16 shares: phase 1 parks 62.5 each, phase 2 parks 31.25; the 4 left go to phase 1
    assert rules.split_target(500, phases) == [63] * 4 + [31] * 8
    assert rules.split_target(7, [1, 2]) == [5, 2]
    assert rules.split_target(5, [2, 2, 2]) == [2, 2, 1]  # ties: the first parks first
    assert rules.split_target(0, [1, 2]) == [0, 0]


def test_the_twelve_parks_and_targets():
    assert [(p.slug, p.city, p.phase) for p in rules.PARKS] == [
        ("karachi", "Karachi", 1), ("quetta", "Quetta", 1), ("lahore", "Lahore", 1),
        ("peshawar", "Peshawar", 1), ("hyderabad", "Hyderabad", 2), ("multan", "Multan", 2),
        ("bahawalpur", "Bahawalpur", 2), ("faisalabad", "Faisalabad", 2),
        ("rawalpindi", "Rawalpindi", 2), ("islamabad", "Islamabad", 2),
        ("muzaffarabad", "Muzaffarabad", 2), ("gilgit", "Gilgit", 2)]
    assert (rules.STUDENT_TARGET, rules.FACULTY_TARGET) == (6000, 500)
    assert rules.park_name("Quetta") == "Knowledge Park Quetta"
