"""assessments: a draft state (status draft|published; existing ones stay published)

Revision ID: i17_1
Revises: i17b_1
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa

revision = 'i17_1'
down_revision = 'i17b_1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), nullable=False,
                                      server_default='published'))
        batch_op.create_check_constraint(op.f('ck_assessments_status'),
                                         "status IN ('draft','published')")


def downgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_assessments_status'), type_='check')
        batch_op.drop_column('status')
