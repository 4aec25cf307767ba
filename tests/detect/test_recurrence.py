from brainstem.detect.base import Observation
from brainstem.detect.recurrence import RecurrenceDetector

DAY = 86400


def _obs(ts, key="k1", template="backup failed", asset="h1", i=0):
    return Observation(ts=ts, event_id=f"ev{ts}-{i}", signature_key=key, asset=asset, severity=3, template=template)


def test_nightly_failure_becomes_recurrence_on_third_day():
    d = RecurrenceDetector(min_buckets=3)
    found = []
    for day in range(5):
        found.append(d.learn_one(_obs(day * DAY + 2 * 3600 + 60)))
    assert [bool(f) for f in found] == [False, False, True, True, True]
    first = found[2][0]
    assert first.candidate_type == "recurrence"
    assert first.metrics["buckets"] == 3 and first.metrics["regularity"] == 1.0
    assert first.metrics["usual_hour"] == 2
    # the first finding carries one sample event of every bucket so far
    assert len(first.event_ids) == 3
    assert found[4][0].metrics["buckets"] == 5
    assert first.first_ts == 2 * 3600 + 60


def test_chatter_in_every_hour_is_not_a_recurrence():
    d = RecurrenceDetector(min_buckets=3, max_hour_slots=6)
    out = []
    for day in range(4):
        for hour in range(24):
            out += d.learn_one(_obs(day * DAY + hour * 3600, template="session opened for user root"))
    assert out == []


def test_recovery_messages_are_not_recurrences():
    d = RecurrenceDetector(min_buckets=2)
    out = []
    for day in range(4):
        out += d.learn_one(_obs(day * DAY + 3600, template="Interface <*>, changed state to up"))
    assert out == []
    for day in range(4):
        out += d.learn_one(_obs(day * DAY + 3600, key="k2", template="Interface <*>, changed state to down"))
    assert out and out[0].signature_keys == ("k2",)


def test_state_round_trip_continues_identically():
    a, b = RecurrenceDetector(), RecurrenceDetector()
    events = [_obs(day * DAY + 7200 + i) for day in range(6) for i in range(3)]
    for e in events[:7]:
        a.learn_one(e)
        b.learn_one(e)
    c = RecurrenceDetector()
    c.load_state(b.to_state())
    rest_a = [f.metrics for e in events[7:] for f in a.learn_one(e)]
    rest_c = [f.metrics for e in events[7:] for f in c.learn_one(e)]
    assert rest_a == rest_c and rest_a
