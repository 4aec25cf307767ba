import dataclasses
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from brainstem.models import Candidate, Event, Signature, Tenant, make_link, stable_id
from brainstem.store import CandidateQuery, SQLiteStore, StoreError, WriteBatch, open_store
from brainstem.store.migrations import LATEST, MIGRATIONS

T = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


def _tenant(store, slug="acme"):
    t = Tenant(tenant_id=stable_id("tn_", slug), name=slug, slug=slug)
    store.put_tenant(t)
    return t


def _event(tid, i, key="k1"):
    return Event(event_id=f"ev_{tid}_{i}", tenant_id=tid, timestamp=T, message_raw=f"line {i}",
                 host="h1", message_normalized=f"line {i}", signature_key=key, service="app" if i % 2 else None,
                 signature_input=f"app: line {i}" if i % 2 else f"line {i}" if i % 3 else f"custom {i}",
                 structured_fields={"n": i}, ingest_metadata={"line": i})


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "b.db")
    yield s
    s.close()


def test_new_database_gets_latest_schema_and_wal(store):
    assert store.schema_version() == LATEST
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_events_are_stored_once_and_round_trip(store):
    t = _tenant(store)
    evs = [_event(t.tenant_id, i) for i in range(5)]
    assert store.write(WriteBatch(events=evs)) == 5
    assert store.write(WriteBatch(events=evs)) == 0          # idempotent
    assert store.existing_event_ids([e.event_id for e in evs] + ["ev_nope"]) == {e.event_id for e in evs}
    back = store.get(evs[3].event_id)
    # created_at is when the batch was stored, one value per batch
    assert back == dataclasses.replace(evs[3], created_at=evs[0].created_at)
    # signature_input is stored only when it is not "service: message" (custom for event 0)
    for e in evs:
        assert store.get(e.event_id).signature_input == e.signature_input
    raw = dict(store.conn.execute("SELECT event_id, signature_input FROM events"))
    assert raw[evs[0].event_id] == "custom 0" and raw[evs[1].event_id] == "" and raw[evs[2].event_id] == ""
    assert back.timestamp == T and back.structured_fields == {"n": 3}


def test_batch_is_atomic(store):
    t = _tenant(store)
    good = _event(t.tenant_id, 1)
    bad = Candidate(candidate_id="cand_1", tenant_id=t.tenant_id, candidate_type="burst", title=None,  # NOT NULL
                    first_seen_at=T, last_seen_at=T)
    with pytest.raises(sqlite3.IntegrityError):
        store.write(WriteBatch(events=[good], candidates=[bad]))
    assert store.existing_event_ids([good.event_id]) == set()


def test_links_both_ways_and_event_signature_link_is_derived(store):
    t = _tenant(store)
    tid = t.tenant_id
    sig = Signature(signature_id=stable_id("sig_", tid, "k1"), signature_key="k1", tenant_id=tid,
                    normalized_pattern="line <*>", example_message="line 1", first_seen_at=T, last_seen_at=T,
                    occurrence_count=2)
    cand = Candidate(candidate_id="cand_a", tenant_id=tid, candidate_type="recurrence", title="x",
                     first_seen_at=T, last_seen_at=T, source_signature_ids=[sig.signature_id])
    link = make_link("signature", sig.signature_id, "candidate", "cand_a", "evidence_for", tid)
    store.write(WriteBatch(events=[_event(tid, 1), _event(tid, 2)], signatures=[sig], candidates=[cand],
                           links=[link, link]))
    out, inc = store.links(sig.signature_id)
    assert [x.target_id for x in out] == ["cand_a"]
    assert {x.source_id for x in inc} == {f"ev_{tid}_1", f"ev_{tid}_2"}
    out, _ = store.links(f"ev_{tid}_1")
    assert out[0].target_id == sig.signature_id and out[0].link_type == "fingerprinted_as"
    _, inc = store.links("cand_a")
    assert inc[0].source_id == sig.signature_id
    assert store.counts()["acme"]["link"] == 1


def test_candidates_query_filters_by_band_type_and_tenant(store):
    a, b = _tenant(store, "a"), _tenant(store, "b")
    bands = ["watch", "review", "urgent_human_review"]
    cands = [Candidate(candidate_id=f"cand_{t.slug}{i}", tenant_id=t.tenant_id, candidate_type="burst" if i else "spread",
                       title="x", first_seen_at=T, last_seen_at=T, score_total=0.2 * (i + 1), decision_band=bands[i])
             for t in (a, b) for i in range(3)]
    store.write(WriteBatch(candidates=cands))
    got = store.candidates(CandidateQuery(tenant_id=a.tenant_id, min_band="review"))
    assert [c.candidate_id for c in got] == ["cand_a2", "cand_a1"]
    got = store.candidates(CandidateQuery(tenant_id=b.tenant_id, types=("spread",)))
    assert [c.candidate_id for c in got] == ["cand_b0"]
    assert len(store.candidates(CandidateQuery())) == 6


def test_state_rows_round_trip(store):
    store.write(WriteBatch(state=[("tn_x", "miner", 1, {"a": [1, 2]})]))
    assert store.load_state("tn_x", "miner") == (1, {"a": [1, 2]})
    assert store.load_state("tn_x", "other") is None


def test_bad_paths_are_clear_errors(tmp_path):
    with pytest.raises(StoreError, match="is a directory"):
        open_store(tmp_path)
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "nope" / "b.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a brainstem database"):
        open_store(junk)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(StoreError, match="not a brainstem database"):
        open_store(other)


def _first_migration_db(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    for stmt in MIGRATIONS[0].statements:
        conn.execute(stmt)
    conn.execute("INSERT INTO schema_version VALUES (1, 'core objects', '2026-01-01T00:00:00Z')")
    conn.execute("INSERT INTO tenants VALUES ('tn_old', 'Old', 'old', 'lab', '[]', '{}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")
    conn.commit()
    conn.close()


def test_upgrade_from_the_first_migration_keeps_data(tmp_path):
    path = tmp_path / "old.db"
    _first_migration_db(path)
    with pytest.raises(StoreError, match="db upgrade"):
        open_store(path)
    s = SQLiteStore(path, upgrade=True)
    assert s.applied == [f"{m.version}: {m.name}" for m in MIGRATIONS[1:]]
    assert s.schema_version() == LATEST
    assert s.get_tenant("old").name == "Old"
    s.write(WriteBatch(state=[("tn_old", "miner", 1, {})], aliases=[("tn_old", "a", "b")]))
    assert s.aliases("tn_old") == {"a": "b"}
    s.close()
    assert open_store(path).schema_version() == LATEST


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (99, 'future', 'x')")
    conn.commit()
    with pytest.raises(StoreError, match="newer"):
        open_store(path)


def test_json_columns_match_the_standard_encoder():
    import json
    from datetime import date
    from brainstem.store.codec import dumps
    ref = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode
    for value in ({"a": "é\"x\n\\", "n": 1, "f": 1.5, "l": [1, None, True], "o": {"z": "q"}}, [1, "a"], {},
                  {"d": date(2026, 1, 1)}, "text", 3):
        assert dumps(value) == ref(value)


# -- the queries of the REST API (written against the Store interface only) ---------------------
def _cands(tid, n):
    from datetime import timedelta
    bands = ("ignore", "watch", "review", "urgent_human_review")
    return [Candidate(candidate_id=f"cand_{tid[-4:]}_{i:03d}", tenant_id=tid, candidate_type=("burst", "spread")[i % 2],
                      title=f"c{i}", first_seen_at=T + timedelta(hours=i), last_seen_at=T + timedelta(hours=i + i % 3),
                      score_total=(i % 5) / 10, decision_band=bands[i % 4],
                      metadata={"assets": [f"web_{i % 3}", "db%1"]}) for i in range(n)]


def test_candidate_pages_counts_and_keyset_cursor(store):
    a, b = _tenant(store, "acme"), _tenant(store, "globex")
    store.write(WriteBatch(candidates=_cands(a.tenant_id, 40) + _cands(b.tenant_id, 5)))
    q = CandidateQuery(tenant_id=a.tenant_id, limit=1000)
    full = store.candidates(q)
    assert len(full) == store.count_candidates(q) == 40
    assert store.count_candidates(CandidateQuery(tenant_id=b.tenant_id)) == 5
    # keyset: the rows after a row are exactly those after it in the full order, ties included
    for i in (0, 7, 21, 38):
        c = full[i]
        after = store.candidates(CandidateQuery(tenant_id=a.tenant_id, limit=1000,
                                                after=(c.score_total, c.last_seen_at, c.candidate_id)))
        assert [x.candidate_id for x in after] == [x.candidate_id for x in full[i + 1:]]
    page = store.candidates(CandidateQuery(tenant_id=a.tenant_id, limit=5, offset=10))
    assert [x.candidate_id for x in page] == [x.candidate_id for x in full[10:15]]
    qb = CandidateQuery(tenant_id=a.tenant_id, bands=("watch", "review"), types=("spread",), limit=1000)
    got = store.candidates(qb)
    assert got and {(x.decision_band, x.candidate_type) for x in got} <= {("watch", "spread"), ("review", "spread")}
    assert store.count_candidates(qb) == len(got)
    since, until = T + timedelta(hours=10), T + timedelta(hours=12)
    got = store.candidates(CandidateQuery(tenant_id=a.tenant_id, since=since, until=until, limit=1000))
    assert {x.candidate_id for x in got} == {x.candidate_id for x in full
                                             if x.last_seen_at >= since and x.first_seen_at <= until}
    # hosts match whole and literally ('_' and '%' are no wildcards)
    assert store.count_candidates(CandidateQuery(tenant_id=a.tenant_id, host="web_1")) == 13
    assert store.count_candidates(CandidateQuery(tenant_id=a.tenant_id, host="webX1")) == 0
    assert store.count_candidates(CandidateQuery(tenant_id=a.tenant_id, host="db%1")) == 40
    assert store.count_candidates(CandidateQuery(tenant_id=a.tenant_id, host="dbx1")) == 0
    assert store.count_candidates(CandidateQuery(tenant_id=a.tenant_id, host="web")) == 0
    counts = store.band_counts()
    assert counts[(a.tenant_id, "watch")] == 10 and counts[(b.tenant_id, "ignore")] == 2
    assert sum(v for (t, _), v in counts.items() if t == a.tenant_id) == 40


def test_signature_search_pages_and_counts(store):
    a, b = _tenant(store, "acme"), _tenant(store, "globex")
    sigs = [Signature(signature_id=f"sig_{i}", signature_key=f"k{i:02d}", tenant_id=a.tenant_id,
                      normalized_pattern=f"Disk {i} 100% FULL on <*>" if i % 2 else f"user_{i} logged in",
                      example_message="example", occurrence_count=i) for i in range(20)]
    sigs.append(Signature(signature_id="sig_b", signature_key="kb", tenant_id=b.tenant_id,
                          normalized_pattern="Disk full", example_message="x", occurrence_count=99))
    store.write(WriteBatch(signatures=sigs))
    page, total = store.find_signatures(a.tenant_id, "disk", limit=3, offset=2)
    assert total == 10 and [s.occurrence_count for s in page] == [15, 13, 11]
    assert store.find_signatures(a.tenant_id, "100%", 50)[1] == 10
    assert store.find_signatures(a.tenant_id, "0%f", 50)[1] == 0       # '%' is literal
    assert store.find_signatures(a.tenant_id, "user_10 logged", 50)[1] == 1
    assert store.find_signatures(a.tenant_id, "userx10", 50)[1] == 0      # '_' is literal
    assert store.find_signatures(a.tenant_id, "k07", 50)[0][0].signature_id == "sig_7"
    page, total = store.find_signatures(a.tenant_id, None, limit=2)
    assert total == 20 and [s.occurrence_count for s in page] == [19, 18]


def test_api_keys_round_trip_and_revocation(store):
    from brainstem.keys import new_key
    a = _tenant(store, "acme")
    k1, token = new_key(a.tenant_id, "ci")
    k2, _ = new_key(a.tenant_id, "root", admin=True)
    store.put_api_key(k1)
    store.put_api_key(k2)
    assert store.get_api_key(k1.key_id) == k1 and store.get_api_key("nope") is None
    assert [k.key_id for k in store.api_keys(a.tenant_id)] == [k1.key_id, k2.key_id]
    assert store.api_keys("tn_other") == [] and len(store.api_keys()) == 2
    assert store.get_api_key(k2.key_id).admin is True
    k1.revoked_at = T
    store.put_api_key(k1)
    assert store.get_api_key(k1.key_id).revoked_at == T and len(store.api_keys()) == 2
    assert token not in repr(store.get_api_key(k1.key_id))
