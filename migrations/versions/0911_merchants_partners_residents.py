"""merchant applications and merchant places (hours, GCJ-02 position); partner account
bindings, binding codes and held partner events; resident avatars

Revision ID: 0911
Revises: 0910
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0911'
down_revision = '0910'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('opening_hours', sa.String(length=100), nullable=False, server_default='')
        )
        batch_op.add_column(sa.Column('latitude_e6', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('longitude_e6', sa.Integer(), nullable=True))
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.alter_column('opening_hours', server_default=None)

    op.create_table('merchant_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('pending_user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('opening_hours', sa.String(length=100), nullable=False),
    sa.Column('latitude_e6', sa.Integer(), nullable=False),
    sa.Column('longitude_e6', sa.Integer(), nullable=False),
    sa.Column('licence_upload_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('review_note', sa.String(length=255), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('merchant_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_merchant_applications_decided_by_users')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_merchant_applications_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_merchant_applications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merchant_applications')),
    sa.UniqueConstraint('pending_user_id', name=op.f('uq_merchant_applications_pending_user_id'))
    )
    with op.batch_alter_table('merchant_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merchant_applications_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('checkin_partner_events', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(
            sa.Column('status', sa.String(length=16), nullable=False, server_default='credited')
        )
        batch_op.add_column(sa.Column('partner_user_id', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('scenario_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('quantity_milli', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('note', sa.String(length=64), nullable=False, server_default='')
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_checkin_partner_events_scenario_id_carbon_scenarios'),
            'carbon_scenarios', ['scenario_id'], ['id'],
        )
        batch_op.create_index(
            'ix_checkin_partner_events_held', ['partner_id', 'partner_user_id', 'status'],
            unique=False,
        )
    with op.batch_alter_table('checkin_partner_events', schema=None) as batch_op:
        batch_op.alter_column('status', server_default=None)
        batch_op.alter_column('note', server_default=None)

    op.create_table('checkin_partner_bindings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('partner_user_id', sa.String(length=128), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['checkin_partners.id'], name=op.f('fk_checkin_partner_bindings_partner_id_checkin_partners')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_checkin_partner_bindings_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_partner_bindings')),
    sa.UniqueConstraint('partner_id', 'partner_user_id', name=op.f('uq_checkin_partner_bindings_partner_id_partner_user_id')),
    sa.UniqueConstraint('partner_id', 'user_id', name=op.f('uq_checkin_partner_bindings_partner_id_user_id'))
    )
    with op.batch_alter_table('checkin_partner_bindings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_partner_bindings_user_id'), ['user_id'], unique=False)

    op.create_table('checkin_partner_binding_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('partner_user_id', sa.String(length=128), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_by', sa.Integer(), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['checkin_partners.id'], name=op.f('fk_checkin_partner_binding_codes_partner_id_checkin_partners')),
    sa.ForeignKeyConstraint(['used_by'], ['users.id'], name=op.f('fk_checkin_partner_binding_codes_used_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_partner_binding_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_checkin_partner_binding_codes_code_hash'))
    )
    with op.batch_alter_table('checkin_partner_binding_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_partner_binding_codes_partner_id'), ['partner_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('avatar_key', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_avatar_key'), ['avatar_key'])


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_avatar_key'), type_='unique')
        batch_op.drop_column('avatar_key')

    with op.batch_alter_table('checkin_partner_binding_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_partner_binding_codes_partner_id'))
    op.drop_table('checkin_partner_binding_codes')
    with op.batch_alter_table('checkin_partner_bindings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_partner_bindings_user_id'))
    op.drop_table('checkin_partner_bindings')

    # Held events name nobody: they cannot survive a NOT NULL user_id.
    op.execute("DELETE FROM checkin_partner_events WHERE user_id IS NULL")
    with op.batch_alter_table('checkin_partner_events', schema=None) as batch_op:
        batch_op.drop_index('ix_checkin_partner_events_held')
        batch_op.drop_constraint(
            batch_op.f('fk_checkin_partner_events_scenario_id_carbon_scenarios'),
            type_='foreignkey',
        )
        batch_op.drop_column('note')
        batch_op.drop_column('occurred_at')
        batch_op.drop_column('quantity_milli')
        batch_op.drop_column('scenario_id')
        batch_op.drop_column('partner_user_id')
        batch_op.drop_column('status')
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table('merchant_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merchant_applications_user_id'))
    op.drop_table('merchant_applications')

    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.drop_column('longitude_e6')
        batch_op.drop_column('latitude_e6')
        batch_op.drop_column('opening_hours')
