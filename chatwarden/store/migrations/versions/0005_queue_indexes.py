"""review-queue indexes in one direction

The queue reads most severe first and newest first within a severity
(``ORDER BY severity_rank DESC, id DESC``).  The 0003 indexes mixed directions
(``severity_rank DESC, id``), which neither SQLite nor PostgreSQL can walk in that order: a
filtered first page sorted every matching finding (143 ms at 100,000 findings).  Indexes
with every key ascending serve the order by walking them backwards; the unfiltered queue
already has one from 0001 (``ix_findings_queue``), so 0003's copy of it goes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index('ix_findings_queue_order')
        batch_op.drop_index('ix_findings_queue_severity')
        batch_op.drop_index('ix_findings_queue_category')
        batch_op.drop_index('ix_findings_rank_order')
        batch_op.create_index('ix_findings_queue_severity', ['status', 'severity', 'severity_rank', 'id'], unique=False)
        batch_op.create_index('ix_findings_queue_category', ['status', 'category', 'severity_rank', 'id'], unique=False)
        batch_op.create_index('ix_findings_rank_order', ['severity_rank', 'id'], unique=False)
    # statistics for the new indexes: where an earlier ANALYZE left some for the old ones,
    # the planner would otherwise take an index it knows nothing about and sort the queue
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA analysis_limit=1000")
    op.execute("ANALYZE findings")


def downgrade() -> None:
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index('ix_findings_rank_order')
        batch_op.drop_index('ix_findings_queue_category')
        batch_op.drop_index('ix_findings_queue_severity')
        batch_op.create_index('ix_findings_queue_order', ['status', sa.literal_column('severity_rank DESC'), 'id'],
                              unique=False)
        batch_op.create_index('ix_findings_queue_severity',
                              ['status', 'severity', sa.literal_column('severity_rank DESC'), 'id'], unique=False)
        batch_op.create_index('ix_findings_queue_category',
                              ['status', 'category', sa.literal_column('severity_rank DESC'), 'id'], unique=False)
        batch_op.create_index('ix_findings_rank_order', [sa.literal_column('severity_rank DESC'), 'id'], unique=False)
