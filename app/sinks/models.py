"""Carbon-sink tables: methodology versions, projects, trees and plots, yearly verified
measurements (ex-post), residents' tree adoptions and the sink credits they receive."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TimestampMixin
from app.extensions import Model

SINK_KINDS = ("forest", "grassland", "wetland")
BASIS_TREE, BASIS_HECTARE = "tree", "hectare"
TREE_ALIVE, TREE_DEAD = "alive", "dead"
ADOPTION_ACTIVE, ADOPTION_REPLACED = "active", "replaced"


class SinkMethodology(TimestampMixin, Model):
    """A cited sequestration rate: per tree or per hectare and year; never edited (a new
    figure is a new version)."""

    __tablename__ = "sink_methodologies"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    basis: Mapped[str] = mapped_column(String(16))
    mg_per_year: Mapped[int] = mapped_column(BigInteger)  # CO2e per tree or per hectare
    status: Mapped[str] = mapped_column(String(16), default="published")
    source: Mapped[str] = mapped_column(Text, default="")
    valid_from: Mapped[date] = mapped_column(Date)


class SinkProject(TimestampMixin, Model):
    """A forest, grassland or wetland project owned by a registry holder."""

    __tablename__ = "sink_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    region: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    owner_holder_id: Mapped[int] = mapped_column(ForeignKey("registry_holders.id"))
    methodology_id: Mapped[int] = mapped_column(ForeignKey("sink_methodologies.id"))
    # What a resident pays to adopt one of its trees for one year.
    adoption_points: Mapped[int] = mapped_column(default=0)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("registry_programmes.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    methodology: Mapped[SinkMethodology] = relationship(lazy="joined")


class Tree(TimestampMixin, Model):
    """One tree of a project. `spare` trees are the project's buffer: they replace trees
    found dead and are not offered for adoption."""

    __tablename__ = "sink_trees"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("sink_projects.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    species: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(200), default="")
    latitude_e6: Mapped[int | None] = mapped_column()
    longitude_e6: Mapped[int | None] = mapped_column()
    photo_url: Mapped[str] = mapped_column(String(500), default="")
    planted_year: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default=TREE_ALIVE)
    spare: Mapped[bool] = mapped_column(Boolean, default=False)


class Plot(TimestampMixin, Model):
    """An area of a project (grassland, wetland, forest stand) measured per hectare."""

    __tablename__ = "sink_plots"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("sink_projects.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    area_m2: Mapped[int] = mapped_column(BigInteger)
    location: Mapped[str] = mapped_column(String(200), default="")


class Measurement(TimestampMixin, Model):
    """A tree's or plot's sequestration over one year, measured after the fact (ex-post);
    it becomes units only through a verified registry batch."""

    __tablename__ = "sink_measurements"
    __table_args__ = (
        UniqueConstraint("tree_id", "year"),
        UniqueConstraint("plot_id", "year"),
        CheckConstraint("(tree_id IS NULL) <> (plot_id IS NULL)", name="one_subject"),
        CheckConstraint("carbon_mg >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("sink_projects.id"), index=True)
    year: Mapped[int] = mapped_column()
    tree_id: Mapped[int | None] = mapped_column(ForeignKey("sink_trees.id"))
    plot_id: Mapped[int | None] = mapped_column(ForeignKey("sink_plots.id"))
    methodology_id: Mapped[int] = mapped_column(ForeignKey("sink_methodologies.id"))
    carbon_mg: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Adoption(TimestampMixin, Model):
    """A resident's adoption of one tree for one year (认领树苗): (tree, year) is unique,
    so of any number of residents adopting the same tree-year at once exactly one wins."""

    __tablename__ = "sink_adoptions"
    __table_args__ = (UniqueConstraint("tree_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_id: Mapped[int] = mapped_column(ForeignKey("sink_trees.id"))
    year: Mapped[int] = mapped_column()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    points: Mapped[int] = mapped_column()
    ledger_txn_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    status: Mapped[str] = mapped_column(String(16), default=ADOPTION_ACTIVE)
    # The adoption this one continues (its tree was found dead and replaced).
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("sink_adoptions.id"), unique=True)


class SinkCredit(TimestampMixin, Model):
    """The verified sequestration of an adopted tree-year, in the adopter's carbon account
    (apart from reductions, no points: it was bought with them). One per adoption, ever."""

    __tablename__ = "sink_credits"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    adoption_id: Mapped[int] = mapped_column(ForeignKey("sink_adoptions.id"), unique=True)
    measurement_id: Mapped[int] = mapped_column(ForeignKey("sink_measurements.id"), unique=True)
    carbon_mg: Mapped[int] = mapped_column(BigInteger)
    year: Mapped[int] = mapped_column()
    batch_id: Mapped[int] = mapped_column(ForeignKey("registry_batches.id"))
    # The retirement, on the adopters' behalf, that backs every credit of the batch.
    retirement_id: Mapped[int | None] = mapped_column(ForeignKey("registry_retirements.id"))
