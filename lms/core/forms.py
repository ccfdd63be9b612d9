"""Form helpers shared by the features' views."""

from collections.abc import Callable

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.errors import DomainError
from lms.extensions import db


class CheckboxListField(SelectMultipleField):
    """Several choices as a group of checkboxes (a multi-select is awkward on a phone); the
    form template draws it as a fieldset with a legend."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def apply_errors(form: FlaskForm, exc: DomainError) -> None:
    """Show a domain error on the form: on its fields where they exist, else on the form."""
    placed = False
    for name, messages in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            field.errors.extend(messages)
            placed = True
    if not placed or not exc.fields:
        form.form_errors.append(exc.message)


def perform(action: Callable, success: str | Callable | None = None) -> bool:
    """Run a button's use case and say how it went: commit and flash `success` (a text, a
    (text, category) pair, or a function of the use case's result giving either), or roll back
    and flash the domain error. 403 and 404 still raise, to their error pages. True if done."""
    try:
        result = action()
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        flash(exc.message, "error")
        return False
    db.session.commit()
    message = success(result) if callable(success) else success
    if isinstance(message, tuple):
        flash(*message)
    elif message:
        flash(message, "success")
    return True
