from brainstem.detect.base import Observation
from brainstem.detect.spread import SpreadDetector


def _obs(ts, asset, key="k"):
    return Observation(ts=ts, event_id=f"e{ts}{asset}", signature_key=key, asset=asset, severity=3, template="t")


def test_same_error_on_many_hosts_in_minutes_is_a_spread():
    d = SpreadDetector(window_seconds=600, min_assets=5, ratio=3, baseline_windows=12)
    warm = [_obs(t * 600.0, "h0", key="other") for t in range(13)]
    for o in warm:
        assert d.learn_one(o) == []
    t0 = 13 * 600.0
    found = []
    for i in range(12):
        found += d.learn_one(_obs(t0 + i * 20, f"host{i:02d}"))
    assert found, "12 hosts within 4 minutes must be a spread"
    assert found[0].metrics["episode_assets"] == 5          # found at the 5th distinct host
    assert found[-1].metrics["max_assets"] == 12
    assert len(set(found[-1].assets)) == 12
    assert len({f.episode for f in found}) == 1


def test_fleet_wide_chatter_is_not_a_spread():
    d = SpreadDetector(window_seconds=600, min_assets=5, ratio=3, baseline_windows=12)
    out = []
    for t in range(200):                      # every host, every 5 minutes, for ~16 hours
        for h in range(12):
            out += d.learn_one(_obs(t * 300.0 + h, f"host{h}"))
    assert out == []


def test_many_events_on_one_host_are_not_a_spread():
    d = SpreadDetector(window_seconds=600, min_assets=5)
    out = []
    for i in range(2000):
        out += d.learn_one(_obs(9000 + i * 0.5, "web1"))
    assert out == []


def test_hourly_job_on_every_host_at_once_is_not_a_spread():
    d = SpreadDetector(window_seconds=600, min_assets=5, ratio=3, baseline_windows=12)
    out = []
    for hour in range(72):
        for h in range(10):
            out += d.learn_one(_obs(hour * 3600.0 + h * 3, f"host{h}"))
    assert out == []


def test_spread_findings_count_the_fleet_and_are_remembered_for_covers():
    from brainstem.detect.profile import ActivityProfile
    prof = ActivityProfile()
    d = SpreadDetector(prof, window_seconds=600, min_assets=5, ratio=3, baseline_windows=12)
    stream = [_obs(t * 600.0, f"h{t % 14}", key="other") for t in range(14)]
    stream += [_obs(8400 + 3600 + i * 20, f"h{i}") for i in range(8)]
    found = []
    for o in stream:
        prof.learn_one(o)
        found += d.learn_one(o)
    m = found[-1].metrics
    assert m["max_assets"] == 8 and m["fleet"] == 14
    assert d.covers("k", 12000, 12100) and not d.covers("k", 0, 100)
