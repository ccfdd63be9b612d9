"""The verification form: a pasted or uploaded credential."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

MAX_CHARS = 64 * 1024


class VerifyCredentialForm(FlaskForm):
    token = TextAreaField("Paste the credential", validators=[
        Optional(), Length(max=MAX_CHARS, message="That is far too long to be a credential.")],
                          description="The text of a .jwt file: three parts separated by dots.")
    file = FileField("Or upload the credential file",
                     description="A .jwt file downloaded from My certificates; it is not kept.")

    def validate(self, extra_validators=None) -> bool:
        """One of the two is needed."""
        if not super().validate(extra_validators):
            return False
        if not (self.token.data or "").strip() and not self.file.data:
            self.token.errors.append("Paste a credential or choose its file.")
            return False
        return True

    def credential_text(self) -> str:
        """The pasted text, else the uploaded file's text."""
        if (self.token.data or "").strip():
            return self.token.data
        raw = self.file.data.read(MAX_CHARS + 1)
        return raw.decode("utf-8", errors="replace")
