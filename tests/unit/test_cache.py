"""Generation-tagged caches (app/cache.py): a commit makes every older value unusable."""

from __future__ import annotations

from app import cache
from app.extensions import db, redis_client


def test_a_value_stored_after_the_bump_under_the_old_generation_is_not_served(app):
    with app.app_context():
        redis_client.delete("gen:test", "value:test")
        generation, cached = cache.read("gen:test", "value:test")
        assert cached is None
        # A writer commits while this reader is still loading the old rows ...
        cache.bump_after_commit("gen:test")
        db.session.commit()
        # ... and the reader stores what it loaded, tagged with what it read before.
        cache.write("value:test", generation, "old rows", 60)
        assert cache.read("gen:test", "value:test")[1] is None
        new_generation, _ = cache.read("gen:test", "value:test")
        cache.write("value:test", new_generation, "new rows", 60)
        assert cache.read("gen:test", "value:test") == (new_generation, "new rows")


def test_a_rolled_back_change_does_not_invalidate(app):
    with app.app_context():
        redis_client.delete("gen:test", "value:test")
        generation, _ = cache.read("gen:test", "value:test")
        cache.write("value:test", generation, "rows", 60)
        cache.bump_after_commit("gen:test")
        db.session.rollback()
        assert cache.read("gen:test", "value:test") == (generation, "rows")


def test_generations_expire_so_idle_users_leave_nothing_behind(app):
    with app.app_context():
        redis_client.delete("gen:test")
        cache.bump_after_commit("gen:test")
        db.session.commit()
        assert 0 < redis_client.ttl("gen:test") <= cache.GENERATION_TTL_SECONDS
