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


def test_a_chained_read_reads_the_second_value_for_the_user_the_first_names(app):
    with app.app_context():
        redis_client.delete("gen:first", "gen:user:5", "gen:user:6")
        redis_client.set("first", '0|{"uid": 5}')
        redis_client.set("answer:5", "0|five")
        redis_client.set("answer:6", "0|six")
        redis_client.set("along", "carried")
        keys = ("gen:first", "first", "along", "gen:user:{uid}", "answer:{uid}")
        read = cache.read_chained(*keys)
        assert read == ("0", '0|{"uid": 5}', "carried", (5, "0", "five"))

        cache.bump_after_commit("gen:user:5")  # user 5's answer is stale now
        db.session.commit()
        assert cache.read_chained(*keys)[3] == (5, "1", None)


def test_a_chained_read_stops_at_a_first_value_that_is_not_current(app):
    with app.app_context():
        redis_client.delete("gen:first", "first")
        redis_client.set("answer:5", "0|five")
        keys = ("gen:first", "first", "along", "gen:user:{uid}", "answer:{uid}")
        # The value read along comes back whatever the first value is (here: none).
        assert cache.read_chained(*keys) == ("0", None, None, None)  # no first value
        redis_client.set("along", "carried")
        assert cache.read_chained(*keys) == ("0", None, "carried", None)
        redis_client.set("first", "revoked")  # an untagged marker
        assert cache.read_chained(*keys) == ("0", "revoked", "carried", None)
        redis_client.set("first", '0|{"uid": 5}')
        cache.bump_after_commit("gen:first")  # the first value is stale now
        db.session.commit()
        assert cache.read_chained(*keys) == ("1", '0|{"uid": 5}', "carried", None)
        redis_client.set("first", "1|not json")
        assert cache.read_chained(*keys) == ("1", "1|not json", "carried", None)
