"""Accounts, submissions, login failures and password resets.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pylearn_jupyter.api.models import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(20), nullable=False),
        sa.Column("username_key", sa.String(20), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("email_key", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("token_version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username_key", name="uq_users_username_key"),
        sa.UniqueConstraint("email_key", name="uq_users_email_key"),
    )
    op.create_table(
        "submissions",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("exercise_id", sa.String(128), nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("exercise_version", sa.String(64), nullable=True),
        sa.Column("solution_viewed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "id", name="pk_submissions"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_submissions_user_id_users"
        ),
    )
    op.create_index(
        "ix_submissions_user_exercise", "submissions", ["user_id", "exercise_id", "submitted_at"]
    )
    op.create_table(
        "progress",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("exercise_id", sa.String(128), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("last_id", sa.String(36), nullable=False),
        sa.Column("last_code", sa.Text, nullable=False),
        sa.Column("last_submitted_at", UTCDateTime(), nullable=False),
        sa.Column("solution_viewed", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "exercise_id", name="pk_progress"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_progress_user_id_users"
        ),
    )
    op.create_table(
        "login_failures",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("first_failed_at", UTCDateTime(), nullable=False),
        sa.Column("last_failed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_login_failures"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_login_failures_user_id_users"
        ),
    )
    op.create_table(
        "password_resets",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_password_resets"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_password_resets_user_id_users"
        ),
    )
    op.create_index("ix_password_resets_user_id", "password_resets", ["user_id"])


def downgrade() -> None:
    op.drop_table("password_resets")
    op.drop_table("login_failures")
    op.drop_table("progress")
    op.drop_index("ix_submissions_user_exercise", table_name="submissions")
    op.drop_table("submissions")
    op.drop_table("users")
