"""Throttle counters keyed by hashed device and login, replacing per-account lockouts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pylearn_jupyter.api.models import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "throttle_counters",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_throttle_counters"),
    )
    op.create_index(
        "ix_throttle_counters_expires_at", "throttle_counters", ["expires_at"]
    )
    # Failures counted per account revealed which accounts exist and let anyone lock an
    # owner out; they are not carried over.
    op.drop_table("login_failures")


def downgrade() -> None:
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
    op.drop_index("ix_throttle_counters_expires_at", table_name="throttle_counters")
    op.drop_table("throttle_counters")
