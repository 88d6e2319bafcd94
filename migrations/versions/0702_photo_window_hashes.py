"""photo near-duplicates: window hashes per used photo, claim locks, upload fingerprints

Revision ID: 0702
Revises: 0901
Create Date: 2026-11-23 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0702'
down_revision = '0901'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checkin_photo_hashes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('window', sa.Integer(), nullable=False),
    sa.Column('phash', sa.String(length=16), nullable=False),
    sa.Column('dhash', sa.String(length=16), nullable=False),
    sa.Column('band0', sa.Integer(), nullable=False),
    sa.Column('band1', sa.Integer(), nullable=False),
    sa.Column('band2', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['checkin_photo_evidence.id'], name=op.f('fk_checkin_photo_hashes_evidence_id_checkin_photo_evidence')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_photo_hashes'))
    )
    with op.batch_alter_table('checkin_photo_hashes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_photo_hashes_evidence_id'), ['evidence_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkin_photo_hashes_band0'), ['band0'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkin_photo_hashes_band1'), ['band1'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkin_photo_hashes_band2'), ['band2'], unique=False)

    op.create_table('checkin_photo_locks',
    sa.Column('key', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('claims', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_checkin_photo_locks'))
    )
    with op.batch_alter_table('checkin_uploads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('checkin_uploads', schema=None) as batch_op:
        batch_op.drop_column('fingerprint')

    op.drop_table('checkin_photo_locks')
    with op.batch_alter_table('checkin_photo_hashes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_photo_hashes_band2'))
        batch_op.drop_index(batch_op.f('ix_checkin_photo_hashes_band1'))
        batch_op.drop_index(batch_op.f('ix_checkin_photo_hashes_band0'))
        batch_op.drop_index(batch_op.f('ix_checkin_photo_hashes_evidence_id'))

    op.drop_table('checkin_photo_hashes')
