"""report cache: data_versions and the triggers that bump it; index on session start

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27

"""
from alembic import op
import sqlalchemy as sa

from lms.core.cache import REPORT_TABLES
from lms.core.versioning import drop_sql, install

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_versions',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_data_versions'))
    )
    with op.batch_alter_table('class_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_class_sessions_starts_at', ['starts_at'], unique=False)
    install(op.get_bind(), REPORT_TABLES)


def downgrade():
    bind = op.get_bind()
    for table in REPORT_TABLES:
        for stmt in drop_sql(bind.dialect.name, table):
            op.execute(stmt)
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS bump_reports_version()")
    with op.batch_alter_table('class_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_class_sessions_starts_at')
    op.drop_table('data_versions')
