"""check-in guess counts: one wrong-code counter per learner and session, shared by all workers

Revision ID: i17b_1
Revises: 0007
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa

from lms.core.timeutil import UTCDateTime

revision = 'i17b_1'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('check_in_guess_counts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('window_start', UTCDateTime(timezone=True), nullable=False),
    sa.Column('wrong_codes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['class_sessions.id'],
                            name=op.f('fk_check_in_guess_counts_session_id_class_sessions'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_check_in_guess_counts_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'session_id', name=op.f('pk_check_in_guess_counts'))
    )


def downgrade():
    op.drop_table('check_in_guess_counts')
