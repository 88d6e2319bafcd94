"""where a QR scan's quantity comes from: site quantity source, weighing-station receipts

Revision ID: 0700
Revises: 0600
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0700'
down_revision = '0600'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkin_sites', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('quantity_source', sa.String(length=16), nullable=False, server_default='scan')
        )
        batch_op.add_column(sa.Column('quantity_per_scan_milli', sa.BigInteger(), nullable=True))

    op.create_table('checkin_station_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('quantity_milli', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['checkin_sites.id'], name=op.f('fk_checkin_station_receipts_site_id_checkin_sites')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_checkin_station_receipts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_station_receipts')),
    sa.UniqueConstraint('site_id', 'receipt_id', name=op.f('uq_checkin_station_receipts_site_id_receipt_id'))
    )
    with op.batch_alter_table('checkin_station_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_station_receipts_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('checkin_station_receipts')
    with op.batch_alter_table('checkin_sites', schema=None) as batch_op:
        batch_op.drop_column('quantity_per_scan_milli')
        batch_op.drop_column('quantity_source')
