"""Parks API: parks, rooms, holidays."""

import sqlalchemy as sa

from lms.core.api import api_blueprint, authorize, roles_only
from lms.core.errors import Forbidden
from lms.core.pagination import paginate
from lms.core.permissions import ADMIN, PARK_MANAGER, require_roles
from lms.core.schemas import PageArgsSchema, page_of
from lms.extensions import db
from lms.parks import services
from lms.parks.models import Room
from lms.parks.schemas import HolidaySchema, ParkSchema, RoomSchema

blp = api_blueprint("parks_api", __name__, "Parks, rooms and holidays")


@blp.route("/parks", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_of(ParkSchema))
def list_parks(args):
    """The twelve parks (public)."""
    return paginate(services.parks_query(), args["page"], args["per_page"]).envelope()


@blp.route("/parks/<int:park_id>/rooms", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_of(RoomSchema))
def list_rooms(args, park_id):
    """A park's rooms."""
    actor = require_roles(ADMIN, PARK_MANAGER)
    park = services.get_park(park_id)
    if not park.can_manage(actor):
        raise Forbidden("You do not manage this park.")
    stmt = sa.select(Room).where(Room.park_id == park.id).order_by(Room.name)
    return paginate(stmt, args["page"], args["per_page"]).envelope()


def _may_add_room(park_id):
    if not services.get_park(park_id).can_manage(require_roles(ADMIN, PARK_MANAGER)):
        raise Forbidden("You do not manage this park.")


@blp.route("/parks/<int:park_id>/rooms", methods=["POST"])
@authorize(_may_add_room)
@blp.arguments(RoomSchema)
@blp.response(201, RoomSchema)
def create_room(data, park_id):
    """Add a room to a park."""
    actor = require_roles(ADMIN, PARK_MANAGER)
    room = services.add_room(actor, services.get_park(park_id), data["name"], data["capacity"])
    db.session.commit()
    return room


@blp.route("/holidays", methods=["POST"])
@authorize(roles_only(ADMIN, PARK_MANAGER))
@blp.arguments(HolidaySchema)
@blp.response(201, HolidaySchema)
def create_holiday(data):
    """Add a holiday for the programme or a park; `effects` says which sessions it cancelled."""
    actor = require_roles(ADMIN, PARK_MANAGER)
    holiday = services.add_holiday(actor, data["day"], data["name"], data.get("park_id"))
    db.session.commit()
    return holiday


@blp.route("/holidays", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_of(HolidaySchema))
def list_holidays(args):
    """Holidays in the caller's reach."""
    actor = require_roles(ADMIN, PARK_MANAGER)
    return paginate(services.holidays_query(actor), args["page"], args["per_page"]).envelope()
