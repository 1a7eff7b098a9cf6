"""assets: equipment to hand back, per case

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import bot.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("asset_tag", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("serial", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("return_deadline", bot.db.UTCDateTime(), nullable=True),
        sa.Column("label_sent_at", bot.db.UTCDateTime(), nullable=True),
        sa.Column("received_at", bot.db.UTCDateTime(), nullable=True),
        sa.Column("wiped_at", bot.db.UTCDateTime(), nullable=True),
        sa.Column("closed_at", bot.db.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("reminded_at", bot.db.UTCDateTime(), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", bot.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_assets_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
        sa.UniqueConstraint("case_id", "source", "asset_tag", name=op.f("uq_assets_case_id")),
    )
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assets_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assets_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assets_state"))
        batch_op.drop_index(batch_op.f("ix_assets_case_id"))

    op.drop_table("assets")
