"""signed credentials: certificates get a status list index and their VC-JWT (issue 24)

Revision ID: i24_1
Revises: i19_1
Create Date: 2026-12-02

Every existing certificate gets a status index (0, 1, 2, ... in id order); on PostgreSQL new
indexes then come from the sequence certificate_status_index_seq, which starts after them.
Their credentials are signed on first download (the column stays empty for them).
"""
from alembic import op
import sqlalchemy as sa


revision = 'i24_1'
down_revision = 'i19_1'
branch_labels = None
depends_on = None

SEQUENCE = "certificate_status_index_seq"


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_index', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('credential', sa.Text(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_certificates_status_index'),
                                          ['status_index'])
    bind = op.get_bind()
    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM certificates ORDER BY id"))]
    for index, cert_id in enumerate(ids):
        bind.execute(sa.text("UPDATE certificates SET status_index = :i WHERE id = :id"),
                     {"i": index, "id": cert_id})
    if bind.dialect.name == "postgresql":
        op.execute(f"CREATE SEQUENCE {SEQUENCE} MINVALUE 0 START WITH {len(ids)}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_certificates_status_index'), type_='unique')
        batch_op.drop_column('credential')
        batch_op.drop_column('status_index')
