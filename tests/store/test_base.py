"""The Store contract (base.py), run against every backend (SQLite and PostgreSQL).

It covers the queries the backends share (sql.py) and each one's write path."""
import dataclasses
import random
import sqlite3
import threading
from datetime import datetime, timedelta, timezone

import pytest

from brainstem.models import (
    Candidate, Event, IncidentMemory, Lesson, ReviewDecision, RunbookHint, Signature, Tenant, make_link, stable_id,
)
from brainstem.store import CandidateQuery, WriteBatch, open_store
from brainstem.store.migrations import LATEST

T = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


def _tenant(store, slug="acme"):
    t = Tenant(tenant_id=stable_id("tn_", slug), name=slug, slug=slug)
    store.put_tenant(t)
    return t


def _event(tid, i, key="k1", ts=T):
    return Event(event_id=f"ev_{tid}_{i}", tenant_id=tid, timestamp=ts, message_raw=f"line {i}",
                 host="h1", message_normalized=f"line {i}", signature_key=key, service="app" if i % 2 else None,
                 signature_input=f"app: line {i}" if i % 2 else f"line {i}" if i % 3 else f"custom {i}",
                 structured_fields={"n": i}, ingest_metadata={"line": i})


def _sig(tid, key, count=1, pattern="line <*>"):
    return Signature(signature_id=stable_id("sig_", tid, key), signature_key=key, tenant_id=tid,
                     normalized_pattern=pattern, example_message="line 1", first_seen_at=T, last_seen_at=T,
                     occurrence_count=count)


def _integrity_errors():
    errors = [sqlite3.IntegrityError]
    try:
        import psycopg
        errors.append(psycopg.IntegrityError)
    except ImportError:
        pass
    return tuple(errors)


@pytest.fixture
def store(make_db):
    s = open_store(make_db())
    yield s
    s.close()


def test_new_database_gets_latest_schema(store, make_db):
    assert store.schema_version() == LATEST
    again = open_store(make_db())           # reopening applies nothing
    assert again.schema_version() == LATEST and again.applied == []
    again.close()


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
    raw = dict(store._rows("SELECT event_id, signature_input FROM events"))
    assert raw[evs[0].event_id] == "custom 0" and raw[evs[1].event_id] == "" and raw[evs[2].event_id] == ""
    assert back.timestamp == T and back.structured_fields == {"n": 3}


def test_batch_is_atomic(store):
    t = _tenant(store)
    good = _event(t.tenant_id, 1)
    bad = Candidate(candidate_id="cand_1", tenant_id=t.tenant_id, candidate_type="burst", title=None,  # NOT NULL
                    first_seen_at=T, last_seen_at=T)
    with pytest.raises(_integrity_errors()):
        store.write(WriteBatch(events=[good], candidates=[bad], state=[(t.tenant_id, "miner", 1, {"a": 1})]))
    assert store.existing_event_ids([good.event_id]) == set()
    assert store.load_state(t.tenant_id, "miner") is None      # the checkpoint went with the batch
    assert store.event_high_water(t.tenant_id) == 0
    assert store.write(WriteBatch(events=[good])) == 1          # and the store is usable after the rollback


def test_links_both_ways_and_event_signature_link_is_derived(store):
    t = _tenant(store)
    tid = t.tenant_id
    sig = _sig(tid, "k1", 2)
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


def test_upserts_replace_and_links_are_written_once(store):
    t = _tenant(store)
    tid = t.tenant_id
    store.write(WriteBatch(signatures=[_sig(tid, "k1", 1)], aliases=[(tid, "old", "k1")],
                           state=[(tid, "miner", 1, {"v": 1})]))
    store.write(WriteBatch(signatures=[_sig(tid, "k1", 2 ** 40, "line <*> again")], aliases=[(tid, "old", "k2")],
                           state=[(tid, "miner", 2, {"v": 2})]))
    (sig,) = store.signatures(tid)
    assert sig.occurrence_count == 2 ** 40 and sig.normalized_pattern == "line <*> again"   # 64-bit counts
    assert store.aliases(tid) == {"old": "k2"}
    assert store.load_state(tid, "miner") == (2, {"v": 2})
    cand = Candidate(candidate_id="cand_x", tenant_id=tid, candidate_type="burst", title="first",
                     first_seen_at=T, last_seen_at=T, score_total=0.1 + 0.2, confidence=1 / 3)
    later = dataclasses.replace(cand, title="second", score_breakdown=[{"name": "severity", "value": 0.5}])
    store.write(WriteBatch(candidates=[cand, later]))            # the same key twice in a batch: the last wins
    back = store.get("cand_x")
    assert back.title == "second" and back.score_breakdown == [{"name": "severity", "value": 0.5}]
    assert back.score_total == 0.1 + 0.2 and back.confidence == 1 / 3  # doubles, not single precision
    link = make_link("signature", sig.signature_id, "candidate", "cand_x", "evidence_for", tid)
    store.write(WriteBatch(links=[link]))
    store.write(WriteBatch(links=[link, link]))
    assert len(store.links("cand_x")[1]) == 1


def test_high_water_and_events_after_follow_the_order_stored(store):
    a, b = _tenant(store, "a"), _tenant(store, "b")
    assert store.event_high_water(a.tenant_id) == 0
    first = [_event(a.tenant_id, i) for i in range(40)]
    random.Random(3).shuffle(first)                             # stored order, not id order
    store.write(WriteBatch(events=first))
    store.write(WriteBatch(events=[_event(b.tenant_id, i) for i in range(5)]))
    mark = store.event_high_water(a.tenant_id)
    assert mark > 0
    second = [_event(a.tenant_id, i) for i in range(100, 110)][::-1]
    assert store.write(WriteBatch(events=second + first[:3])) == 10      # the repeats are not stored again
    assert store.event_high_water(a.tenant_id) > mark
    assert [e.event_id for e in store.events_after(a.tenant_id, 0)] == [e.event_id for e in first + second]
    assert [e.event_id for e in store.events_after(a.tenant_id, mark)] == [e.event_id for e in second]
    assert list(store.events_after(a.tenant_id, store.event_high_water(a.tenant_id))) == []
    assert {e.tenant_id for e in store.events_after(b.tenant_id, 0)} == {b.tenant_id}   # tenants are walls


def test_events_since_in_time_order_ties_in_stored_order(store):
    t = _tenant(store)
    tid = t.tenant_id
    evs = [_event(tid, i, ts=T + timedelta(seconds=(i * 7) % 5)) for i in range(20)]
    store.write(WriteBatch(events=evs))
    since = T + timedelta(seconds=2)
    got = [e.event_id for e in store.events_since(tid, since)]
    want = [e.event_id for e in sorted((e for e in evs if e.timestamp >= since), key=lambda e: e.timestamp)]
    assert got == want                                          # sorted() is stable: ties keep stored order
    assert [e.event_id for e in store.events(tid, limit=3)] == [e.event_id for e in evs if e.timestamp == T][:3]


def test_many_ids_in_one_call(store):
    t = _tenant(store)
    tid = t.tenant_id
    evs = [_event(tid, i) for i in range(1300)]
    assert store.write(WriteBatch(events=evs[::2])) == 650
    assert store.existing_event_ids(e.event_id for e in evs) == {e.event_id for e in evs[::2]}
    store.write(WriteBatch(signatures=[_sig(tid, f"k{i:04d}", i) for i in range(1200)]))
    got = store.signatures(tid, [f"k{i:04d}" for i in range(0, 1200, 2)] + ["nope"])
    assert len(got) == 600 and all(int(s.signature_key[1:]) % 2 == 0 for s in got)
    assert [s.signature_key for s in store.signatures(tid, limit=3)] == ["k1199", "k1198", "k1197"]


def test_text_sorts_by_code_point_and_round_trips(store):
    t = _tenant(store)
    tid = t.tenant_id
    titles = ["Zeta", "alpha", "_under", "Émile", "émile", "a b", "ab", "日本", "🙂 ok", "A"]
    cands = [Candidate(candidate_id=f"cand_{i:02d}", tenant_id=tid, candidate_type="burst", title=title,
                       first_seen_at=T, last_seen_at=T, score_total=0.5) for i, title in enumerate(titles)]
    store.write(WriteBatch(candidates=cands))
    assert {c.title for c in store.candidates(CandidateQuery(tenant_id=tid))} == set(titles)
    keys = sorted(titles)                                       # Python compares code points, like SQLite
    store.write(WriteBatch(signatures=[_sig(tid, k, 7) for k in titles]))
    assert [s.signature_key for s in store.signatures(tid)] == keys


def test_human_loop_objects_round_trip(store):
    t = _tenant(store)
    tid = t.tenant_id
    inc = IncidentMemory(incident_memory_id="inc_1", tenant_id=tid, title="nightly backup", recurrence_count=3,
                         first_observed_at=T, last_observed_at=T + timedelta(days=2), source_event_ids=["ev_1"])
    store.write(WriteBatch(incidents=[inc, dataclasses.replace(inc, incident_memory_id="inc_2", status="retired",
                                                               last_observed_at=T)]))
    assert [i.incident_memory_id for i in store.incidents(tid)] == ["inc_1", "inc_2"]
    assert [i.incident_memory_id for i in store.incidents(tid, status="active")] == ["inc_1"]
    assert store.get("inc_1") == inc
    store.put_lesson(Lesson(lesson_id="les_1", tenant_id=tid, title="l", recommendation="reboot the NAS"))
    store.put_hint(RunbookHint(runbook_hint_id="hint_1", tenant_id=tid, title="h", hint_text="check", priority=1))
    store.put_review(ReviewDecision(review_id="rev_1", tenant_id=tid, subject_type="candidate", subject_id="cand_1",
                                    decision="useful", notes="", reviewer="ana", reviewed_at=T))
    assert [x.recommendation for x in store.lessons(tid)] == ["reboot the NAS"]
    assert [x.hint_text for x in store.hints(tid)] == ["check"]
    assert [r.reviewer for r in store.reviews(tid, ["cand_1"])] == ["ana"] and store.reviews(tid, []) == []
    assert store.lessons(_tenant(store, "other").tenant_id) == []
    counts = store.counts()
    assert counts["acme"]["incident_memory"] == 2 and counts["acme"]["review"] == 1 and counts["other"]["lesson"] == 0
    assert [x.slug for x in store.list_tenants()] == ["acme", "other"]
    assert store.get_tenant(tid).slug == store.get_tenant("acme").slug == "acme"
    assert store.get("cand_nope") is None and store.get("nothing") is None


def test_four_connections_opening_a_new_database_at_once(make_db):
    """As four processes starting on a new database would: each migration is applied once."""
    url = make_db("race.db")
    results, errors = [], []

    def open_one():
        try:
            s = open_store(url)
            results.append((s.schema_version(), s.applied))
            s.close()
        except Exception as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert [v for v, _ in results] == [LATEST] * 4
    assert sum(len(applied) for _, applied in results) == LATEST     # each migration applied once


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
