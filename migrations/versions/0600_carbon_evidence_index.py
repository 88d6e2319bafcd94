"""index carbon records by evidence and time (site-burst risk check without a full scan)

Revision ID: 0600
Revises: 0010
Create Date: 2026-11-22 02:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0600'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('carbon_records', schema=None) as batch_op:
        batch_op.create_index(
            'ix_carbon_records_evidence_ref_created_at', ['evidence_ref', 'created_at'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('carbon_records', schema=None) as batch_op:
        batch_op.drop_index('ix_carbon_records_evidence_ref_created_at')
