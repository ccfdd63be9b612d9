"""Reports API: the programme against its targets."""

from lms.core.api import api_blueprint
from lms.core.permissions import require_login
from lms.reports import services
from lms.reports.schemas import ProgrammeQuerySchema, ProgrammeReportSchema

blp = api_blueprint("reports_api", __name__, "Programme reports")


@blp.route("/reports/programme", methods=["GET"])
@blp.arguments(ProgrammeQuerySchema, location="query")
@blp.response(200, ProgrammeReportSchema)
def get_programme(args):
    """Per park: enrolled, completed, certified and attendance against the targets.

    Admins see every park (or `park_id`); a park manager sees their own park only.
    """
    park_id = services.scope_park_id(require_login(), args.get("park_id"))
    programme = services.programme_figures(park_id)
    targets = {"students": programme.totals["student_target"],
               "faculty": programme.totals["faculty_target"]}
    parks = [p.as_api() | {"student_target": p.student_target,
                           "faculty_target": p.faculty_target} for p in programme.parks]
    return {"targets": targets, "parks": parks}
