"""Throttling of wrong check-in codes: per learner (a classroom shares one address)."""

from flask import request
from flask_login import current_user

WRONG_CODES_LIMIT = "10 per minute"


def check_in_key() -> str:
    """The throttle key: the learner, or the address for visitors."""
    if current_user.is_authenticated:
        return f"check-in:user:{current_user.id}"
    return f"check-in:addr:{request.remote_addr or '-'}"


def wrong_code(response) -> bool:
    """Only wrong or expired codes (422) count towards the limit."""
    return response.status_code == 422
