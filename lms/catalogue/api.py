"""JSON API of the catalogue feature: /courses and /tracks (same services as the pages)."""

from flask_login import current_user

from lms.accounts.models import User
from lms.catalogue import services
from lms.catalogue.schemas import (
    CourseCreateSchema,
    CoursePageSchema,
    CourseQuerySchema,
    CourseSchema,
    CourseUpdateSchema,
    ProgressQuerySchema,
    TrackCreateSchema,
    TrackPageSchema,
    TrackProgressSchema,
    TrackQuerySchema,
    TrackSchema,
    TrackUpdateSchema,
)
from lms.core.api import api_blueprint, authorize, roles_only
from lms.core.errors import Forbidden, NotFound
from lms.core.pagination import paginate
from lms.core.permissions import require_login, require_roles
from lms.extensions import db

blp = api_blueprint("catalogue_api", __name__, "Catalogue")


@blp.route("/courses", methods=["GET"])
@blp.arguments(CourseQuerySchema, location="query")
@blp.response(200, CoursePageSchema)
def list_courses(args):
    """The catalogue (anyone); drafts only for staff. status: published (default), archived,
    draft, any. Items carry no module outline: GET /courses/{id} has it."""
    filters = services.CatalogueFilters(
        q=args.get("q"), track=args.get("track"), level=args.get("level"),
        skill=args.get("skill"), park_id=args.get("park_id"), status=args.get("status"),
        owner_id=args.get("owner_id"), track_id=args.get("track_id"))
    return services.catalogue_rows(current_user, filters, args["page"],
                                   args["per_page"]).envelope()


@blp.route("/courses", methods=["POST"])
@authorize(roles_only(*services.COURSE_WRITERS))
@blp.arguments(CourseCreateSchema)
@blp.response(201, CourseSchema)
def create_course(data):
    """Add a draft course (trainers, admins); 409 duplicate_code if the code is taken."""
    actor = require_roles(*services.COURSE_WRITERS)
    course = services.create_course(actor, data)
    db.session.commit()
    return services.get_course(course.id)


@blp.route("/courses/<int:course_id>", methods=["GET"])
@blp.response(200, CourseSchema)
def get_course(course_id):
    """A course with its modules (drafts: staff only, else 404)."""
    return services.visible_course(current_user, services.get_course(course_id))


def _may_edit_course(course_id):
    services.managed_course(require_login(), services.get_course(course_id))


def _may_edit_track(track_id):
    if not services.get_track(track_id).can_manage(require_login()):
        raise Forbidden("Only the track's builder or an admin may change it.")


@blp.route("/courses/<int:course_id>", methods=["PATCH"])
@authorize(_may_edit_course)
@blp.arguments(CourseUpdateSchema)
@blp.response(200, CourseSchema)
def update_course(data, course_id):
    """Edit a course (owner trainer, admin) as its status allows (409 not_editable)."""
    actor = require_login()
    services.update_course(actor, services.get_course(course_id), data)
    db.session.commit()
    return services.get_course(course_id)


@blp.route("/courses/<int:course_id>/publish", methods=["POST"])
@blp.response(200, CourseSchema)
def publish_course(course_id):
    """Draft -> published (owner trainer, admin); 409 invalid_status otherwise."""
    actor = require_login()
    services.publish_course(actor, services.get_course(course_id))
    db.session.commit()
    return services.get_course(course_id)


@blp.route("/courses/<int:course_id>/archive", methods=["POST"])
@blp.response(200, CourseSchema)
def archive_course(course_id):
    """Published -> archived (owner trainer, admin); 409 invalid_status otherwise."""
    actor = require_login()
    services.archive_course(actor, services.get_course(course_id))
    db.session.commit()
    return services.get_course(course_id)


@blp.route("/tracks", methods=["GET"])
@blp.arguments(TrackQuerySchema, location="query")
@blp.response(200, TrackPageSchema)
def list_tracks(args):
    """Learning tracks with their courses in order (anyone)."""
    return paginate(services.tracks_query(args.get("audience")), args["page"],
                    args["per_page"]).envelope()


@blp.route("/tracks", methods=["POST"])
@authorize(roles_only(*services.TRACK_WRITERS))
@blp.arguments(TrackCreateSchema)
@blp.response(201, TrackSchema)
def create_track(data):
    """Build a track (admins, trainers); every course must serve its audience."""
    actor = require_roles(*services.TRACK_WRITERS)
    track = services.create_track(actor, data)
    db.session.commit()
    return services.get_track(track.id)


@blp.route("/tracks/<int:track_id>", methods=["GET"])
@blp.response(200, TrackSchema)
def get_track(track_id):
    """A track with its courses in order (anyone)."""
    return services.get_track(track_id)


@blp.route("/tracks/<int:track_id>", methods=["PATCH"])
@authorize(_may_edit_track)
@blp.arguments(TrackUpdateSchema)
@blp.response(200, TrackSchema)
def update_track(data, track_id):
    """Rename a track, change its audience or reorder its courses (its builder, admins)."""
    actor = require_login()
    services.update_track(actor, services.get_track(track_id), data)
    db.session.commit()
    return services.get_track(track_id)


@blp.route("/tracks/<int:track_id>/progress", methods=["GET"])
@blp.arguments(ProgressQuerySchema, location="query")
@blp.response(200, TrackProgressSchema)
def track_progress(args, track_id):
    """A learner's progress on a track: own, or (user_id=) a learner the caller manages."""
    actor = require_login()
    track = services.get_track(track_id)
    user = actor
    if args.get("user_id") and args["user_id"] != actor.id:
        user = db.session.get(User, args["user_id"])
        if user is None or not user.can_view(actor):
            raise NotFound("No such learner.")
    progress = services.track_progress(user, track)
    return {"track_id": track.id, "user_id": user.id, **progress,
            "courses": [{"id": c.id, "code": c.code, "title": c.title,
                         "done": c.id in progress["done_ids"]} for c in track.courses]}
