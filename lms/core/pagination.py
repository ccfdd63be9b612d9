"""Pagination for pages and the API's list envelope."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import request

from lms.core.errors import ValidationFailed
from lms.extensions import db

MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000  # beyond it the offset overflows the database's integers


@dataclass
class Page:
    """One page of a query's results."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def envelope(self, items: list | None = None) -> dict:
        """The API list body: items, page, per_page, total."""
        return {"items": self.items if items is None else items, "page": self.page,
                "per_page": self.per_page, "total": self.total}


def page_args(default_per_page: int = 50) -> tuple[int, int]:
    """Read ?page and ?per_page from the request, refusing nonsense."""
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", default_per_page))
    except ValueError:
        raise ValidationFailed("page and per_page must be whole numbers",
                               fields={"page": ["Must be a whole number."]}) from None
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationFailed(f"page must be at least 1 and per_page between 1 and {MAX_PER_PAGE}",
                               fields={"per_page": [f"Between 1 and {MAX_PER_PAGE}."]})
    return page, per_page


def paginate(stmt: sa.Select, page: int, per_page: int, scalars: bool = True) -> Page:
    """Run `stmt` for one page and count its rows (two queries)."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    result = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = list(result.scalars().unique() if scalars else result.all())
    return Page(items=items, page=page, per_page=per_page, total=total or 0)
