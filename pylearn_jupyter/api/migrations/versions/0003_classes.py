"""Classes: teachers, memberships, uploaded course bundles; room for ``class:`` exercise ids.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pylearn_jupyter.api.models import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _exercise_id_length(length: int) -> None:
    """SQLite does not enforce VARCHAR lengths (and would copy whole tables to change
    them); PostgreSQL does."""
    if op.get_bind().dialect.name == "sqlite":
        return
    for table in ("submissions", "progress"):
        op.alter_column(table, "exercise_id", type_=sa.String(length),
                        existing_nullable=False)


def upgrade() -> None:
    _exercise_id_length(160)
    op.create_table(
        "classes",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("teacher_id", sa.String(36), nullable=False),
        sa.Column("course", sa.String(16), nullable=False),
        sa.Column("join_code", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_classes"),
        sa.UniqueConstraint("join_code", name="uq_classes_join_code"),
        sa.ForeignKeyConstraint(
            ["teacher_id"], ["users.id"], ondelete="CASCADE", name="fk_classes_teacher_id_users"
        ),
    )
    op.create_index("ix_classes_teacher_id", "classes", ["teacher_id"])
    op.create_table(
        "class_members",
        sa.Column("class_id", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("class_id", "user_id", name="pk_class_members"),
        sa.ForeignKeyConstraint(
            ["class_id"], ["classes.id"], ondelete="CASCADE",
            name="fk_class_members_class_id_classes",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_class_members_user_id_users"
        ),
    )
    op.create_index("ix_class_members_user_id", "class_members", ["user_id"])
    op.create_table(
        "class_courses",
        sa.Column("class_id", sa.String(16), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("bundle", sa.Text, nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("class_id", name="pk_class_courses"),
        sa.ForeignKeyConstraint(
            ["class_id"], ["classes.id"], ondelete="CASCADE",
            name="fk_class_courses_class_id_classes",
        ),
    )
    op.create_table(
        "class_exercises",
        sa.Column("class_id", sa.String(16), nullable=False),
        sa.Column("exercise_id", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("class_id", "exercise_id", name="pk_class_exercises"),
        sa.ForeignKeyConstraint(
            ["class_id"], ["classes.id"], ondelete="CASCADE",
            name="fk_class_exercises_class_id_classes",
        ),
    )


def downgrade() -> None:
    op.drop_table("class_exercises")
    op.drop_table("class_courses")
    op.drop_index("ix_class_members_user_id", table_name="class_members")
    op.drop_table("class_members")
    op.drop_index("ix_classes_teacher_id", table_name="classes")
    op.drop_table("classes")
    # Progress on uploaded courses' exercises has no class to belong to any more, and its
    # ids would not fit the narrower columns.
    op.execute("DELETE FROM progress WHERE exercise_id LIKE 'class:%'")
    op.execute("DELETE FROM submissions WHERE exercise_id LIKE 'class:%'")
    _exercise_id_length(128)
