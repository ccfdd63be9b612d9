"""The bytes' own type, by their magic numbers (puremagic); lms.materials.rules decides on it."""

import puremagic

HEAD_BYTES = 8192


def sniff_mime(head: bytes) -> str | None:
    """The most likely MIME type of these first bytes, or None when nothing matches."""
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return None
    for match in matches:
        if match.mime_type:
            return match.mime_type
    return None
