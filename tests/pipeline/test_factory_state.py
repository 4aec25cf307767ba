"""The event factory's memory survives a stored checkpoint (SQLite and PostgreSQL).

A worker that takes a tenant over mid-stream loads the factory state the last
holder stored with its batch (the ``stream`` row, brainstem/service/worker.py)
and must give the lines after it the very ids and times one uninterrupted run
gives them: otherwise a repeated line gets ordinal 0 again (an id collision, so
an event silently dropped as a duplicate) or an untimed line another time.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from brainstem.ingest import Record
from brainstem.pipeline.events import EventFactory
from brainstem.settings import load_settings
from brainstem.store.base import WriteBatch
from brainstem.workspace import Workspace

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)


def _records() -> list[Record]:
    """Two live sources interleaved: repeated lines in one second, untimed lines, a
    source whose first line has no time (it takes the fallback), a joined event."""
    out = []
    for i in range(40):
        path = "tcp:a" if i % 3 else "tcp:b"
        ts = T0 + timedelta(seconds=i // 6)
        if i % 7 == 3:
            ts = None                                   # inherits the source's last time
        stamp = f"{ts:%H:%M:%S} " if ts is not None else ""    # a line's own time is in its text
        raw = stamp + (f"{path}: link flap" if i % 2 else f"{path}: job {i % 4} done")   # ids ignore the path
        if i == 11:
            raw = "trace start\n  at frame 1"           # a continuation joined to its line
        if i == 13:
            raw = "odd bytes \ufffd here"               # undecodable bytes, as the decoders replace them
        out.append(Record(ts, raw, raw, "syslog", path, i + 1, "fw1", "app"))
    out.append(Record(None, "first words of a new source", "first words of a new source", "syslog", "tcp:c", 1,
                      "fw2", "app"))
    return out


def _made(factory: EventFactory, records: list[Record]) -> list[tuple]:
    return [(e.event_id, e.timestamp, e.ingest_metadata.get("time_inherited")) for e in map(factory.make, records)]


@pytest.fixture
def store_and_tenant(make_db):
    ws = Workspace(make_db("factory.db"), load_settings(env={}), create=True)
    yield ws.store, ws.tenant("acme", create=True).tenant_id
    ws.close()


@pytest.mark.parametrize("cut", [1, 5, 12, 13, 14, 23, 40])
def test_a_factory_resumed_from_the_stored_state_makes_the_same_events(store_and_tenant, cut):
    store, tid = store_and_tenant
    fallback = datetime(2026, 11, 1, tzinfo=timezone.utc)
    whole = _made(EventFactory(tid, fallback), _records())
    assert len({e[0] for e in whole}) == len(whole)     # repeated lines in one second are distinct events
    assert any(e[2] for e in whole)

    first = EventFactory(tid, fallback)
    head = _made(first, _records()[:cut])
    store.write(WriteBatch(state=[(tid, "stream", 1, {"seq": cut, "factory": first.to_state()})]))

    version, saved = store.load_state(tid, "stream")
    resumed = EventFactory(tid, datetime(2030, 1, 1, tzinfo=timezone.utc))    # another worker, another "now"
    resumed.load_state(saved["factory"])
    tail = _made(resumed, _records()[cut:])
    assert head + tail == whole


def test_a_fresh_factory_is_not_the_resumed_one(store_and_tenant):
    """The test above can fail: without the saved state the ids after the cut differ."""
    _, tid = store_and_tenant
    fallback = datetime(2026, 11, 1, tzinfo=timezone.utc)
    whole = _made(EventFactory(tid, fallback), _records())
    fresh = EventFactory(tid, fallback)
    tail = _made(fresh, _records()[5:])
    assert tail != whole[5:]
