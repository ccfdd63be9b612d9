"""Park forms."""

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class RoomForm(FlaskForm):
    name = StringField("Room name", validators=[DataRequired(), Length(max=120)])
    capacity = IntegerField("Seats", validators=[  # InputRequired: 0 is "too few", not "missing"
        InputRequired(message="Give the number of seats."),
        NumberRange(min=1, max=500, message="Seats: a whole number from 1 to 500.")])


class HolidayForm(FlaskForm):
    day = DateField("Date", validators=[DataRequired()])
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    park_id = SelectField("Park", coerce=lambda v: int(v) if v else None, validators=[Optional()])


class TargetsForm(FlaskForm):
    student_target = IntegerField("Student target",
                                  validators=[InputRequired(), NumberRange(min=0, max=100000)])
    faculty_target = IntegerField("Faculty target",
                                  validators=[InputRequired(), NumberRange(min=0, max=100000)])
