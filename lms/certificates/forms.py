"""Certificate forms: issue (CSRF only), revoke and reissue (a reason), the file check."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class IssueForm(FlaskForm):
    """Issue certificates to every eligible learner of a cohort (a button and its CSRF token)."""


class RevokeForm(FlaskForm):
    reason = TextAreaField("Reason for revoking", validators=[
        DataRequired(message="Give the reason for revoking (3 to 500 characters)."),
        Length(min=3, max=500, message="The reason takes 3 to 500 characters.")],
                           description="Kept in the audit trail; not shown to the public.")


class ReissueForm(FlaskForm):
    reason = TextAreaField("What was corrected", validators=[
        DataRequired(message="Say what was corrected (3 to 500 characters)."),
        Length(min=3, max=500, message="The reason takes 3 to 500 characters.")],
                           description="The new certificate is printed from the current name and "
                                       "course details; the old code then shows as superseded.")


class VerifyFileForm(FlaskForm):
    file = FileField("Certificate PDF", validators=[FileRequired("Choose the PDF file.")],
                     description="The file is compared byte for byte and not kept.")
