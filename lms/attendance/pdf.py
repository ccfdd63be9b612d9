"""The printable sign-in sheet of a session (ReportLab), for days without connectivity.

User text is escaped before it reaches Paragraph markup; Urdu names are shaped, reordered and
set in Noto Naskh Arabic when the font is installed.
"""

import io
import logging
import re
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.core.timeutil import to_park

log = logging.getLogger("lms.attendance")
URDU_FONT_NAME = "KPNaskhArabic"
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


@lru_cache(maxsize=4)
def _urdu_font(path: str) -> str | None:
    """Register the Urdu font once; None if it is missing or broken."""
    if not path or not Path(path).is_file():
        return None
    try:
        pdfmetrics.registerFont(TTFont(URDU_FONT_NAME, path))
    except Exception:  # a broken font must not break the sheet
        log.warning("Urdu font %r could not be loaded", path, exc_info=True)
        return None
    return URDU_FONT_NAME


def name_markup(name: str, urdu_font_path: str | None) -> str:
    """Paragraph markup for a person's name: escaped, Urdu shaped and in the Urdu font."""
    if not ARABIC_SCRIPT.search(name or ""):
        return escape(name or "")
    font = _urdu_font(urdu_font_path or "")
    if font is None:
        return escape(name)
    import arabic_reshaper
    from bidi import get_display

    return f'<font face="{font}">{escape(get_display(arabic_reshaper.reshape(name)))}</font>'


def sign_in_sheet(session, learners, *, urdu_font_path: str | None = None) -> bytes:
    """A4 sign-in sheet: cohort, course, session time in park time, learners, signature column."""
    cohort = session.cohort
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm,
                            title="Sign-in sheet", author="Knowledge Park LMS")
    h1 = ParagraphStyle("h1", fontName="Helvetica-Bold", fontSize=16, leading=20)
    body = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13)
    cell = ParagraphStyle("cell", fontName="Helvetica", fontSize=10, leading=13)
    start, end = to_park(session.starts_at), to_park(session.ends_at)
    course = cohort.course
    story = [
        Paragraph("Sign-in sheet", h1),
        Spacer(1, 3 * mm),
        Paragraph(f"<b>Cohort:</b> {escape(cohort.name)}", body),
        Paragraph(f"<b>Course:</b> {escape(course.code)} {escape(course.title)}", body),
        Paragraph(f"<b>Park:</b> {escape(cohort.park.name)}"
                  f"{' · <b>Room:</b> ' + escape(session.room.name) if session.room else ''}",
                  body),
        Paragraph(f"<b>Session:</b> {start:%A %d %B %Y}, {start:%H:%M} to {end:%H:%M} "
                  f"(Pakistan Standard Time)", body),
        Paragraph("<b>Trainer:</b> " + name_markup(cohort.trainer.full_name, urdu_font_path),
                  body),
        Spacer(1, 5 * mm),
    ]
    data = [["#", "Learner", "Time in", "Signature"]]
    for i, user in enumerate(learners, 1):
        data.append([str(i), Paragraph(name_markup(user.full_name, urdu_font_path), cell), "",
                     ""])
    if len(data) == 1:
        data.append(["", Paragraph("No learners are enrolled.", cell), "", ""])
    table = Table(data, colWidths=[10 * mm, 80 * mm, 25 * mm, 65 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 10),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f4")),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8b95a1")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white]),
        ("TOPPADDING", (0, 1), (-1, -1), 6),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 8),
    ]))
    story += [table, Spacer(1, 6 * mm),
              Paragraph("Marks: the trainer enters them in the online register afterwards. "
                        "Trainer's signature: ____________________", body)]
    doc.build(story)
    return buf.getvalue()
