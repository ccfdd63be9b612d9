"""Pure park rules: the twelve parks and how the programme targets split across them."""

from dataclasses import dataclass

STUDENT_TARGET = 6000
FACULTY_TARGET = 500
PHASE_1_WEIGHT = 2  # a phase 1 park carries twice the share of a phase 2 park


@dataclass(frozen=True)
class ParkSeed:
    slug: str
    city: str
    phase: int
    host_university: str


PARKS = (
    ParkSeed("karachi", "Karachi", 1, "NED University of Engineering and Technology"),
    ParkSeed("quetta", "Quetta", 1, "BUITEMS"),
    ParkSeed("lahore", "Lahore", 1, "University of Engineering and Technology Lahore"),
    ParkSeed("peshawar", "Peshawar", 1, "University of Engineering and Technology Peshawar"),
    ParkSeed("hyderabad", "Hyderabad", 2, "Mehran University of Engineering and Technology"),
    ParkSeed("multan", "Multan", 2, "Bahauddin Zakariya University"),
    ParkSeed("bahawalpur", "Bahawalpur", 2, "The Islamia University of Bahawalpur"),
    ParkSeed("faisalabad", "Faisalabad", 2, "University of Agriculture Faisalabad"),
    ParkSeed("rawalpindi", "Rawalpindi", 2, "PMAS Arid Agriculture University"),
    ParkSeed("islamabad", "Islamabad", 2, "COMSATS University Islamabad"),
    ParkSeed("muzaffarabad", "Muzaffarabad", 2, "University of Azad Jammu and Kashmir"),
    ParkSeed("gilgit", "Gilgit", 2, "Karakoram International University"),
)


def split_target(total: int, phases: list[int]) -> list[int]:
    """Split a programme target across parks, phase 1 weighted double; shares add up to total."""
    weights = [PHASE_1_WEIGHT if p == 1 else 1 for p in phases]
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    remainders = sorted(range(len(phases)), key=lambda i: -(total * weights[i] % whole))
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares


def park_name(city: str) -> str:
    """The official name of a park."""
    return f"Knowledge Park {city}"
