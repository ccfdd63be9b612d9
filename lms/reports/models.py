"""Reports have no tables of their own; they read the other features' tables.

The report cache (lms.core.cache) counts the sessions that have started, on this index.
"""

import sqlalchemy as sa

from lms.scheduling.models import ClassSession

sa.Index("ix_class_sessions_starts_at", ClassSession.starts_at)
