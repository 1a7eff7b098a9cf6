"""Batches (layoff day): a draft is checked, then started once; the CSV and its hash are kept.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="draft"))
        batch.add_column(sa.Column("source", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("source_sha256", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("size", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("person_channels", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("channel_name", sa.String(80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        for column in ("channel_name", "person_channels", "size", "source_sha256", "source", "status"):
            batch.drop_column(column)
