"""The writer thread: one transaction per tenant and batch, futures after commit, calls in order."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from brainstem.ingest.record import Record
from brainstem.service.inbound import Inbound
from brainstem.service.queue import IngestQueue, QueueClosed
from brainstem.service.writer import Writer
from brainstem.settings import load_settings
from brainstem.workspace import Workspace

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def item(tenant: str, i: int, host: str = "fw1", msg: str | None = None, state=None,
         service: str = "kernel") -> Inbound:
    ts = T0 + timedelta(seconds=i)
    text = msg or f"Interface ge-0/0/{i % 4} changed state to down (seq {i})"
    raw = f"{ts:%b %d %H:%M:%S} {host} {service}: {text}"
    rec = Record(timestamp=ts, message=text, raw=raw, source_type="syslog", source_path="udp:test",
                 line_no=0, host=host, service=service)
    return Inbound(tenant=tenant, record=rec, source="test", received_at=time.time(), state=state)


@pytest.fixture
def running(tmp_path):
    settings = load_settings(env={}, serve_commit_seconds=0.05, serve_batch_max=100)
    ws = Workspace(tmp_path / "live.db", settings)
    q = IngestQueue(capacity=1000)
    w = Writer(ws, q)
    w.start()
    yield ws, q, w
    if w.is_alive():
        w.stop(10)
    ws.close()


def test_messages_are_stored_per_tenant_and_futures_resolve_after_commit(running, tmp_path):
    ws, q, w = running
    f1 = q.put_blocking([item("acme", i) for i in range(30)])
    f2 = q.put_blocking([item("globex", i, host="sw9") for i in range(7)])
    assert f1.result(10) == 30 and f2.result(10) == 7
    # a second connection sees the commit: the future is not resolved before it
    with Workspace(tmp_path / "live.db", create=False) as other:
        counts = other.stats()
    assert counts["acme"]["event"] == 30
    assert counts["globex"]["event"] == 7
    assert counts["globex"]["asset"] == 1


def test_a_lone_message_is_committed_without_waiting_for_a_full_batch(running):
    ws, q, w = running
    assert q.put_blocking([item("acme", 1)]).result(10) == 1


def test_state_rows_commit_with_the_batch(running):
    ws, q, w = running
    fut = q.put_blocking([item("acme", i, state=("follow:/var/log/x", 1, {"offset": 100 * i})) for i in range(5)])
    fut.result(10)
    t = ws.tenant("acme")
    assert ws.store.load_state(t.tenant_id, "follow:/var/log/x") == (1, {"offset": 400})


def test_calls_run_on_the_writer_in_order_with_messages(running):
    ws, q, w = running
    q.put_blocking([item("acme", i) for i in range(3)])
    n = q.call(lambda w_ws: w_ws.stats()["acme"]["event"]).result(10)
    assert n == 3


def test_a_failing_call_fails_its_future_and_the_writer_goes_on(running):
    ws, q, w = running

    def boom(_):
        raise LookupError("no such thing")

    with pytest.raises(LookupError):
        q.call(boom).result(10)
    assert q.put_blocking([item("acme", 1)]).result(10) == 1


def test_stop_drains_everything_queued_and_then_refuses(tmp_path):
    settings = load_settings(env={}, serve_commit_seconds=5.0, serve_batch_max=100_000)
    ws = Workspace(tmp_path / "drain.db", settings)
    q = IngestQueue(capacity=100_000)
    futs = [q.offer([item("acme", i)]) for i in range(500)]
    w = Writer(ws, q)
    w.start()
    w.stop(30)
    assert not w.is_alive()
    assert all(f.done() and f.result() == 1 for f in futs)
    assert ws.stats()["acme"]["event"] == 500
    with pytest.raises(QueueClosed):
        q.offer([item("acme", 9999)])
    # the checkpoint at stop covers every stored event
    t = ws.tenant("acme")
    meta = ws.store.load_state(t.tenant_id, "pipeline")[1]
    assert meta["high_water"] == ws.store.event_high_water(t.tenant_id)
    ws.close()


def test_offer_refuses_when_full_and_put_blocking_times_out():
    q = IngestQueue(capacity=3)
    assert q.offer([item("a", 1), item("a", 2)]) is not None
    assert q.offer([item("a", 3), item("a", 4)]) is None      # would exceed capacity
    assert q.offer([item("a", 3)]) is not None
    with pytest.raises(TimeoutError):
        q.put_blocking([item("a", 5)], timeout=0.05)
    assert q.depth == 3


def _spread(tenant: str, start: int) -> list[Inbound]:
    """One failure on 8 hosts within two minutes: a spread candidate."""
    return [item(tenant, start + 10 * h, host=f"web{h}", msg="sshd: error: maximum authentication attempts exceeded "
                 f"for root from 203.0.113.{h} port 22") for h in range(8)]


def _final_score(tmp_path, name: str, review: str | None) -> tuple[float, dict]:
    settings = load_settings(env={}, serve_commit_seconds=0.05, serve_batch_max=100)
    ws = Workspace(tmp_path / f"{name}.db", settings)
    q = IngestQueue(capacity=1000)
    w = Writer(ws, q)
    w.start()
    try:
        for day in range(3):                       # quiet background so the spread stands out
            q.put_blocking([item("acme", day * 86400 + i * 600, host="web0", msg=f"cron job {i} ok")
                            for i in range(5)]).result(10)
        q.put_blocking(_spread("acme", 3 * 86400)).result(10)
        cands = q.call(lambda w_ws: w_ws.candidates("acme", types=("spread",))).result(10)
        assert cands, "no spread candidate"
        cid = cands[0].candidate_id
        if review:
            q.call(lambda w_ws: w_ws.review(cid, review, reviewer="noc")).result(10)
        q.put_blocking(_spread("acme", 5 * 86400)).result(10)       # it happens again, live
        c = q.call(lambda w_ws: w_ws.store.get(cid)).result(10)
        return c.score_total, c.score_breakdown
    finally:
        w.stop(10)
        ws.close()


def test_a_review_through_the_writer_steers_the_live_pipeline(tmp_path):
    plain, _ = _final_score(tmp_path, "plain", None)
    noise, breakdown = _final_score(tmp_path, "noise", "noise")
    # the live pipeline saw the review: the later evidence is scored with it, not over it
    assert noise < plain
    fb = [x for x in breakdown if "feedback" in str(x.get("name", x))]
    assert fb and fb[0]["contribution"] < 0, breakdown


def test_an_asset_written_by_a_sync_is_never_rewritten_by_events_spelling_its_host_otherwise(running):
    from brainstem.models import Asset, stable_id
    from brainstem.store.base import WriteBatch
    ws, q, w = running
    q.put_blocking([item("acme", 1, host="edge1")]).result(10)        # the tenant's pipeline is live
    tid = ws.tenant("acme").tenant_id
    aid = stable_id("as_", tid, "core-sw1")
    asset = Asset(asset_id=aid, tenant_id=tid, hostname="core-sw1", metadata={"lm_resource_id": 412})
    q.call(lambda w_ws: w_ws.store.write(WriteBatch(assets=[asset]))).result(10)
    q.put_blocking([item("acme", 2, host="Core-SW1"), item("acme", 3, host="CORE-SW1")]).result(10)
    got = ws.store.get(aid)
    assert got.metadata == {"lm_resource_id": 412}
    assert ws.stats()["acme"]["asset"] == 2


def test_waiting_for_room_for_more_than_is_free_yields_to_the_loop():
    import asyncio
    import threading

    q = IngestQueue(capacity=10)
    q.offer([item("a", i) for i in range(8)])          # 2 free, 5 wanted

    async def main():
        ticks = 0
        stop = asyncio.Event()

        async def ticker():
            nonlocal ticks
            while not stop.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        t = asyncio.create_task(ticker())
        threading.Timer(0.3, lambda: q.take(100, 0)).start()     # the writer takes everything later
        fut = await asyncio.wait_for(q.put([item("a", 100 + i) for i in range(5)]), 5)
        stop.set()
        await t
        return fut, ticks

    fut, ticks = asyncio.run(main())
    assert fut is not None and q.depth == 5
    assert ticks >= 10          # the loop kept running while put() waited


RULE = """define hosts node cache:(~(10m):service[{n}],host);
# brainstem: evidence type=spread
hosts. define many if(service__kidState);
define feed if(service~"^(kernel|lldpd)$") hosts(service,host);
"""


def test_rules_reload_on_the_writer_swaps_every_live_tenants_rules(tmp_path):
    from brainstem.rules.bridge import RuleLoadError, tenant_rules
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "spread.nb").write_text(RULE.format(n=50))
    settings = load_settings(env={}, serve_commit_seconds=0.05, serve_batch_max=100, rules_dir=str(rules))
    ws = Workspace(tmp_path / "rules.db", settings)
    q = IngestQueue(capacity=1000)
    w = Writer(ws, q, rules_for=lambda slug: tenant_rules(settings, slug))
    w.start()
    try:
        q.put_blocking([item("acme", i, host=f"fw{i}") for i in range(6)]).result(10)
        assert not q.call(lambda x: x.candidates("acme")).result(10)        # 6 hosts < 50: nothing
        (rules / "spread.nb").write_text(RULE.format(n=3) + "define broken on((;\n")
        with pytest.raises(RuleLoadError):
            q.call(lambda x: w.reload_rules()).result(10)
        before = w.live["acme"].pipeline.rules
        (rules / "spread.nb").write_text(RULE.format(n=3))
        assert q.call(lambda x: w.reload_rules()).result(10) == {"acme": 1}
        assert w.live["acme"].pipeline.rules is not before
        # (the reload replayed the recent kernel lines into the new rules: that episode is
        # history; a new one, on another service, fires)
        q.put_blocking([item("acme", 100 + i, host=f"sw{i}", service="lldpd") for i in range(6)]).result(10)
        cands = q.call(lambda x: x.candidates("acme")).result(10)
        assert cands and cands[0].metadata["metrics"].get("rule")
    finally:
        w.stop(10)
        ws.close()


def test_tenant_names_that_differ_in_case_share_one_pipeline(running, tmp_path):
    ws, q, w = running
    # the same line under "Acme" then "acme": one tenant, so the second is a duplicate
    assert q.put_blocking([item("Acme", i) for i in range(5)]).result(10) == 5
    assert q.put_blocking([item("acme", i) for i in range(5)] + [item("ACME", 9)]).result(10) == 6
    assert list(w.live) == ["acme"]
    with Workspace(tmp_path / "live.db", create=False) as other:
        counts = other.stats()
    assert list(counts) == ["acme"] and counts["acme"]["event"] == 6
