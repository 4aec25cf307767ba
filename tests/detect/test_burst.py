from brainstem.detect.base import Observation
from brainstem.detect.burst import BurstDetector


def _obs(ts, key="k", asset="web1"):
    return Observation(ts=ts, event_id=f"e{ts:.3f}{key}", signature_key=key, asset=asset, severity=3, template="t")


def _feed(d, obs):
    out = []
    for o in obs:
        out += d.learn_one(o)
    return out


def test_burst_far_above_baseline_is_found_once_per_episode():
    d = BurstDetector(window_seconds=300, min_events=20, ratio=8, baseline_windows=12)
    # a quiet signature: one event every 10 minutes for 6 hours
    quiet = [_obs(t * 600.0) for t in range(36)]
    assert _feed(d, quiet) == []
    start = 36 * 600.0
    burst = [_obs(start + i * 0.5) for i in range(100)]     # 100 events in 50 s
    found = _feed(d, burst)
    assert found, "a 100-event burst over a 1-per-10-min baseline must be found"
    episodes = {f.episode for f in found}
    assert len(episodes) == 1
    last = found[-1]
    assert last.metrics["bursts"] == 1 and last.metrics["peak"] == 100
    assert last.episode_events == 100       # the window's events before the 20th count too
    # after quiet returns, a second burst is a second episode of the same candidate
    later = start + 7200
    _feed(d, [_obs(later + i * 600.0) for i in range(3)])
    found2 = _feed(d, [_obs(later + 2000 + i * 0.5) for i in range(60)])
    assert {f.key for f in found2} == {"k"}
    assert found2[-1].metrics["bursts"] == 2
    assert len({f.episode for f in found2}) == 1 and found2[0].episode not in episodes


def test_steady_high_rate_is_not_a_burst():
    d = BurstDetector(window_seconds=300, min_events=20, ratio=8, baseline_windows=12)
    steady = [_obs(i * 2.0) for i in range(20000)]   # 150 per window, all day
    assert _feed(d, steady) == []


def test_no_burst_during_warm_up():
    d = BurstDetector(window_seconds=300, min_events=20, ratio=8, baseline_windows=12)
    assert _feed(d, [_obs(i * 0.1) for i in range(500)]) == []


def test_state_round_trip_mid_burst():
    def run(split):
        d = BurstDetector()
        obs = [_obs(t * 600.0) for t in range(36)] + [_obs(21600 + i) for i in range(80)]
        out = _feed(d, obs[:split])
        if split < len(obs):
            e = BurstDetector()
            e.load_state(d.to_state())
            out += _feed(e, obs[split:])
        return [(f.episode, f.metrics) for f in out]
    assert run(116) == run(60) == run(40)


def test_findings_carry_the_profile_facts_and_the_burst_is_remembered_for_covers():
    from brainstem.detect.profile import ActivityProfile
    prof = ActivityProfile()
    d = BurstDetector(prof, window_seconds=300, min_events=20, ratio=8, baseline_windows=12)
    found = []
    stream = [_obs(t * 600.0) for t in range(36)] + [_obs(21600 + i * 0.5) for i in range(100)]
    for o in stream:
        prof.learn_one(o)
        found += d.learn_one(o)
    m = found[-1].metrics
    assert m["severity"] == 3 and m["history_hours"] == 6.0 and 0.9 < m["background"] <= 1.0
    assert d.covers("k", 21600, 21610) and not d.covers("k", 0, 100) and not d.covers("other", 21600, 21610)


def test_a_burst_that_is_a_spread_is_left_to_the_spread():
    from brainstem.detect.spread import SpreadDetector
    d = BurstDetector(window_seconds=300, min_events=20, ratio=8, baseline_windows=12)
    s = SpreadDetector(window_seconds=600, min_assets=5, ratio=3, baseline_windows=12)
    d.spread = s
    warm = [_obs(t * 600.0, key="other") for t in range(13)]
    sweep = [_obs(7800 + i * 3.0, asset=f"h{i // 3}") for i in range(60)]    # 20 hosts, 3 lines each
    bursts, spreads = [], []
    for o in warm + sweep:
        spreads += s.learn_one(o)
        bursts += d.learn_one(o)
    assert spreads and not bursts


def test_burst_that_a_spread_held_at_its_start_goes_on_when_the_spread_lets_go():
    """A burst opened while a spread held its events; the spread then forgets the
    signature (retired), and the burst's next events are the burst's to report.
    (This ended a 240k-line ingest with IndexError: the burst's span was never booked.)"""
    from brainstem.detect.spread import SpreadDetector
    spread = SpreadDetector(window_seconds=600, min_assets=5)
    d = BurstDetector(window_seconds=300, min_events=20, ratio=8, baseline_windows=12)
    d.spread = spread
    quiet = [_obs(t * 600.0) for t in range(36)]
    for o in quiet:
        spread.learn_one(o)
    assert _feed(d, quiet) == []
    start = 36 * 600.0
    storm = [_obs(start + i * 0.5, asset=f"web{i % 40}") for i in range(60)]   # one line, 40 hosts
    spread_found = []
    for o in storm:
        spread_found += spread.learn_one(o)
        assert d.learn_one(o) == [], "while the spread holds these events, the burst stays silent"
    assert spread_found, "the storm over 40 hosts is a spread"
    spread.forget("k")
    more = _feed(d, [_obs(start + 30 + i * 0.5, asset="web1") for i in range(30)])
    assert more and more[-1].metrics["bursts"] == 1
    assert more[-1].episode_events == 90      # the storm's events are the burst's too
