"""i21 materials: blobs, materials, attempt uploads; the file_upload question kind

Revision ID: i21_1
Revises: i24_1
Create Date: 2026-12-02 16:07:34.992531

"""
from alembic import op
import sqlalchemy as sa

import lms.core.timeutil


OLD_KINDS = "kind IN ('single','multiple','true_false','short_text','numeric','essay')"
NEW_KINDS = "kind IN ('single','multiple','true_false','short_text','numeric','essay','file_upload')"


def _set_kinds(old: str, new: str) -> None:
    """Swap the CHECK of questions.kind. SQLite: the documented writable_schema procedure for a
    CHECK change (a batch copy would drop `questions` under the answers' foreign keys)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
        bind.exec_driver_sql("PRAGMA writable_schema=ON")
        bind.execute(sa.text("UPDATE sqlite_master SET sql = replace(sql, :old, :new) "
                             "WHERE type = 'table' AND name = 'questions'"),
                     {"old": old, "new": new})
        bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
        bind.exec_driver_sql("PRAGMA writable_schema=OFF")
        return
    op.drop_constraint(op.f("ck_questions_kind"), "questions", type_="check")
    op.create_check_constraint(op.f("ck_questions_kind"), "questions", sa.text(new))


# revision identifiers, used by Alembic.
revision = 'i21_1'
down_revision = 'i24_1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', lms.core.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_blobs'))
    )
    op.create_table('attempt_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('blob_sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('created_at', lms.core.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_attempt_uploads_attempt_id_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['blob_sha256'], ['blobs.sha256'], name=op.f('fk_attempt_uploads_blob_sha256_blobs')),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_attempt_uploads_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attempt_uploads_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_uploads'))
    )
    with op.batch_alter_table('attempt_uploads', schema=None) as batch_op:
        batch_op.create_index('ix_attempt_uploads_attempt_question', ['attempt_id', 'question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempt_uploads_blob_sha256'), ['blob_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempt_uploads_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempt_uploads_user_id'), ['user_id'], unique=False)

    op.create_table('materials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=4), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('blob_sha256', sa.String(length=64), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.core.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'file' AND blob_sha256 IS NOT NULL) OR (kind = 'link' AND url IS NOT NULL)", name=op.f('ck_materials_content')),
    sa.CheckConstraint("kind IN ('file','link')", name=op.f('ck_materials_kind')),
    sa.CheckConstraint("status IN ('draft','published')", name=op.f('ck_materials_status')),
    sa.CheckConstraint('module_id IS NULL OR session_id IS NULL', name=op.f('ck_materials_one_place')),
    sa.ForeignKeyConstraint(['blob_sha256'], ['blobs.sha256'], name=op.f('fk_materials_blob_sha256_blobs')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_materials_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_materials_created_by_id_users')),
    sa.ForeignKeyConstraint(['module_id'], ['course_modules.id'], name=op.f('fk_materials_module_id_course_modules'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['class_sessions.id'], name=op.f('fk_materials_session_id_class_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_materials'))
    )
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_materials_blob_sha256'), ['blob_sha256'], unique=False)
        batch_op.create_index('ix_materials_course_position', ['course_id', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_materials_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_materials_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('upload_rules', sa.JSON(), nullable=True))
    _set_kinds(OLD_KINDS, NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM answers WHERE question_id IN "
               "(SELECT id FROM questions WHERE kind = 'file_upload')")
    op.execute("DELETE FROM questions WHERE kind = 'file_upload'")
    _set_kinds(NEW_KINDS, OLD_KINDS)
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_column('upload_rules')

    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_materials_session_id'))
        batch_op.drop_index(batch_op.f('ix_materials_module_id'))
        batch_op.drop_index('ix_materials_course_position')
        batch_op.drop_index(batch_op.f('ix_materials_blob_sha256'))

    op.drop_table('materials')
    with op.batch_alter_table('attempt_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_uploads_user_id'))
        batch_op.drop_index(batch_op.f('ix_attempt_uploads_question_id'))
        batch_op.drop_index(batch_op.f('ix_attempt_uploads_blob_sha256'))
        batch_op.drop_index('ix_attempt_uploads_attempt_question')

    op.drop_table('attempt_uploads')
    op.drop_table('blobs')
