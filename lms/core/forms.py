"""Form helpers shared by the features' views."""

from flask_wtf import FlaskForm

from lms.core.errors import DomainError


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
