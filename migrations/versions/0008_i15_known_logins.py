"""known_logins: addresses an account logged in from; login_failures.pending (issue 15/17)

Revision ID: i15_1
Revises: 0007
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa

from lms.core.timeutil import UTCDateTime

revision = 'i15_1'
down_revision = '0007'
branch_labels = None
depends_on = None


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


def downgrade():
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_column('pending')
    op.drop_table('known_logins')
