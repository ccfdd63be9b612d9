"""Domain errors raised by services; views turn them into form errors, the API into JSON."""


class DomainError(Exception):
    """A rule refused the request; `status` and `code` follow API.md."""

    status = 422
    code = "invalid"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None,
                 code: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code
        self.extra = extra or {}

    def to_body(self) -> dict:
        """The JSON error body of API.md."""
        body = {"code": self.code, "message": self.message, "fields": self.fields}
        body.update(self.extra)
        return {"error": body}


class ValidationFailed(DomainError):
    """Well-formed but invalid input (422)."""

    status = 422
    code = "validation_failed"


class BadRequest(DomainError):
    """Malformed input (400)."""

    status = 400
    code = "bad_request"


class Unauthorized(DomainError):
    """No or bad credentials (401)."""

    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    """The user may not do this (403)."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """No such object, or not one the user may see (404)."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The request conflicts with the current state (409)."""

    status = 409
    code = "conflict"


class Throttled(DomainError):
    """Too many requests (429)."""

    status = 429
    code = "throttled"
