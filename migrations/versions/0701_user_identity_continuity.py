"""users: keyed identity hash and person id, so per-person limits survive re-registration

Revision ID: 0701
Revises: 0700
Create Date: 2026-12-01 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0701'
down_revision = '0700'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_identity_hash'), ['identity_hash'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_users_person_id_users'), 'users', ['person_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_person_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_identity_hash'))
        batch_op.drop_column('person_id')
        batch_op.drop_column('identity_hash')
