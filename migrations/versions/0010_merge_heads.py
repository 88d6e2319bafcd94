"""merge the domain branches into one head

Revision ID: 0010
Revises: 0003, 0004, 0005
Create Date: 2026-11-22 01:15:13.768017

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = ('0003', '0004', '0005')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
