"""Form helpers shared by the features' views."""

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.errors import DomainError


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
