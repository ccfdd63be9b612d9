"""write concurrency: known_logins, login_failures.pending; report versions per table and park

known_logins: addresses an account logged in from (its own failures there do not lock it);
login_failures.pending: an attempt counted while its password is checked. The report cache's
versions become rows per table and park instead of the one row every write bumped (issue 15).

Revision ID: i15_1
Revises: i17_1
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa

from lms.core.timeutil import UTCDateTime
from lms.core.versioning import (
    PG_FUNCTION,
    drop_sql,
    install_park_versions,
    trigger_sql,
    uninstall_park_versions,
)

revision = 'i15_1'
down_revision = 'i17_1'
branch_labels = None
depends_on = None

# the tables 0007 put its triggers on (frozen here: they are what is to be dropped)
OLD_TABLES = ("attendance_records", "enrollments", "certificates", "attempts", "class_sessions",
              "cohorts", "courses", "assessments", "parks", "users")


def upgrade():
    op.create_table('known_logins',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('last_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_known_logins_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'address', name=op.f('pk_known_logins'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    bind = op.get_bind()
    for table in OLD_TABLES:
        for stmt in drop_sql(bind.dialect.name, table):
            op.execute(stmt)
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS bump_reports_version()")
    op.execute("DELETE FROM data_versions")
    install_park_versions(bind)


def downgrade():
    bind = op.get_bind()
    uninstall_park_versions(bind)
    op.execute("DELETE FROM data_versions")
    op.execute("INSERT INTO data_versions (name, version) VALUES ('reports', 0)")
    if bind.dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
    for table in OLD_TABLES:
        for stmt in trigger_sql(bind.dialect.name, table):
            op.execute(stmt)
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_column('pending')
    op.drop_table('known_logins')
