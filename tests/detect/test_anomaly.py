from brainstem.detect.anomaly import AnomalyDetector
from brainstem.detect.burst import BurstDetector
from brainstem.detect.precursor import PrecursorDetector
from brainstem.detect.profile import ActivityProfile
from brainstem.detect.recurrence import RecurrenceDetector
from brainstem.detect.self_heal import SelfHealDetector
from brainstem.detect.spread import SpreadDetector

from tests.detect.streams import DAY, HOUR, T0, chatter, merged, obs


class _Set:
    """The detectors an anomaly detector looks at, wired as build_detectors wires them."""

    def __init__(self, **kw):
        self.profile = ActivityProfile()
        self.burst = BurstDetector(self.profile)
        self.spread = SpreadDetector(self.profile)
        self.burst.spread = self.spread
        self.heal = SelfHealDetector(self.profile)
        self.recurrence = RecurrenceDetector(self.profile)
        self.precursor = PrecursorDetector(self.profile)
        self.anomaly = AnomalyDetector(self.profile, burst=self.burst, spread=self.spread, self_heal=self.heal,
                                       recurrence=self.recurrence, precursor=self.precursor, **kw)

    def run(self, stream):
        out = []
        for o in stream:
            self.profile.learn_one(o)
            for d in (self.recurrence, self.burst, self.spread, self.heal, self.precursor, self.anomaly):
                out += [f for f in d.learn_one(o) if f.candidate_type == "anomaly"]
        return out


def _baseline(days=3, **kw):
    return merged(chatter(days, key="web", hosts=4, **kw), chatter(days, key="cron", hosts=4, every=3600, seed=2))


def test_a_severe_message_never_seen_after_the_baseline_is_an_anomaly():
    s = _Set()
    novel = obs(T0 + 2.5 * DAY, "ecc", asset="host2", severity=2, template="EDAC MC0: 1 UE memory read error")
    again = obs(T0 + 2.5 * DAY + 60, "ecc", asset="host2", severity=2, template="EDAC MC0: 1 UE memory read error")
    found = s.run(merged(_baseline(), [novel, again]))
    # raised once its hold is over, with the count of its first minutes
    assert [f.metrics["count"] for f in found] == [2]
    f = found[0]
    assert f.key == "ecc" and f.ts == novel.ts and f.event_ids == (novel.event_id,) and f.assets == ("host2",)
    m = found[-1].metrics
    assert m["kind"] == "new" and m["new_signatures_24h"] == 0 and m["events_24h"] > 500
    assert m["surprise_bits"] > 9 and m["severity"] == 2 and "covered_by" not in m
    assert {x.episode for x in found} == {"ecc@new"}


def test_nothing_is_new_during_the_baseline_and_a_chatty_tenant_surprises_less():
    s = _Set()
    early = obs(T0 + 0.5 * DAY, "early", severity=3, template="something early")
    assert s.run(merged(_baseline(), [early])) == []
    # a tenant that meets a new critical message every hour surprises less with one more
    s = _Set()
    stream = _baseline()
    stream += [obs(T0 + 1.2 * DAY + i * HOUR, f"new{i}", severity=2, template=f"fresh {i}") for i in range(24)]
    stream.append(obs(T0 + 2.5 * DAY, "ecc", severity=2, template="EDAC error"))
    found = {f.key: f.metrics for f in s.run(merged(stream))}
    quiet = _Set().run(merged(_baseline(), [obs(T0 + 2.5 * DAY, "ecc", severity=2, template="EDAC error")]))
    assert all(f.key != "early" for f in quiet)
    assert found["ecc"]["new_signatures_24h"] == 15      # those of the trailing day
    assert found["ecc"]["surprise_bits"] < quiet[0].metrics["surprise_bits"] - 3
    # ... but new info messages say nothing about how rare a new critical one is
    s = _Set()
    stream = _baseline()
    stream += [obs(T0 + 1.2 * DAY + i * HOUR, f"new{i}", severity=6, template=f"fresh {i}") for i in range(24)]
    stream.append(obs(T0 + 2.5 * DAY, "ecc", severity=2, template="EDAC error"))
    found = {f.key: f.metrics for f in s.run(merged(stream))}
    assert found["ecc"]["new_signatures_24h"] == 0
    assert abs(found["ecc"]["surprise_bits"] - quiet[0].metrics["surprise_bits"]) < 0.1


def test_a_new_message_that_bursts_or_recovers_is_left_to_the_burst_or_the_self_heal():
    s = _Set()
    storm = [obs(T0 + 2.5 * DAY + i * 2, "storm", severity=3, template="queue overflow") for i in range(60)]
    assert s.run(merged(_baseline(), storm)) == [], "the burst covers these events"
    s = _Set()
    flap = [obs(T0 + 2.5 * DAY, "down", asset="sw1", severity=3, template="Interface <*>, changed state to down"),
            obs(T0 + 2.5 * DAY + 30, "up", asset="sw1", severity=3, template="Interface <*>, changed state to up")]
    assert s.run(merged(_baseline(), flap)) == []


def test_a_new_nightly_failure_is_news_on_its_first_night_and_a_recurrence_by_its_third():
    s = _Set()
    nights = [obs(T0 + d * DAY + 2 * HOUR + 60 * d, "dump-failed", asset="db1", severity=3,
                  template="pg_dump failed: connection refused") for d in range(2, 6)]
    found = s.run(merged(_baseline(6), nights))
    assert [(f.ts, f.metrics.get("covered_by")) for f in found] == [(nights[0].ts, None), (nights[0].ts, "recurrence")]


def test_a_known_signature_far_above_its_hourly_profile_is_a_rate_anomaly():
    s = _Set()
    steady = [obs(T0 + h * HOUR + 900, "slow", severity=4, template="slow query") for h in range(3 * 24)]
    # then 30 an hour, spread over the hour (never 20 in 5 minutes: no burst)
    loud = [obs(T0 + 3 * DAY + 2 * HOUR + i * 110, "slow", severity=4, template="slow query") for i in range(60)]
    found = s.run(merged(_baseline(4), steady, loud))
    assert found and {f.key for f in found} == {"slow"}
    m = found[0].metrics
    assert m["kind"] == "rate" and m["count"] == 20 and m["hour"] == 2 and m["ratio"] >= 10
    assert {f.episode for f in found} == {found[0].episode}, "two loud hours in a row are one episode"
    assert found[-1].metrics["count"] > 20


def test_a_nightly_job_loud_every_night_is_its_profile_not_an_anomaly():
    s = _Set()
    nights = [obs(T0 + d * DAY + 2 * HOUR + i * 60, "dump", severity=6, template="dumped table")
              for d in range(5) for i in range(50)]
    assert s.run(merged(_baseline(5), nights)) == []


def test_state_round_trip_with_a_novelty_waiting():
    novel = obs(T0 + 2.5 * DAY, "ecc", severity=2, template="EDAC error")
    stream = merged(_baseline(), [novel])
    cut = next(i for i, o in enumerate(stream) if o is novel) + 1     # stop right after it: it is still held
    a = _Set()
    first = a.run(stream[:cut])
    assert first == []
    b = _Set()
    for name in ("profile", "recurrence", "burst", "spread", "heal", "precursor", "anomaly"):
        getattr(b, name).load_state(getattr(a, name).to_state())
    rest = b.run(stream[cut:])
    whole = _Set().run(stream)
    assert [f.metrics for f in first + rest] == [f.metrics for f in whole]
