"""WeRun anti-cheat: baseline days without a record, held growth, series fingerprint,
and the operator's explanation of each risk reason

Revision ID: 0704
Revises: 0800
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0704'
down_revision = '0800'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkin_werun_days', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('steps_base', sa.BigInteger(), nullable=False, server_default='0')
        )
        batch_op.add_column(sa.Column('series_fp', sa.String(length=32), nullable=True))
        batch_op.alter_column('record_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(
            batch_op.f('ix_checkin_werun_days_series_fp'), ['series_fp'], unique=False
        )
    with op.batch_alter_table('checkin_werun_days', schema=None) as batch_op:
        batch_op.alter_column('steps_base', server_default=None)
    with op.batch_alter_table('carbon_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk_notes', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('carbon_records', schema=None) as batch_op:
        batch_op.drop_column('risk_notes')
    op.execute('DELETE FROM checkin_werun_days WHERE record_id IS NULL')
    with op.batch_alter_table('checkin_werun_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_werun_days_series_fp'))
        batch_op.alter_column('record_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('series_fp')
        batch_op.drop_column('steps_base')
