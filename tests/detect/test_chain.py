"""The detector set's one call per event against the plain loop over its detectors.

``DetectorSet.learn_one`` leaves some calls out (precursor on steady background,
self-heal on lines without a state word); on any stream it must return exactly
the findings, in the same order, and end in exactly the state that calling every
detector in turn does, across checkpoints (state to JSON and into a fresh set),
and signatures forgotten on the way.
"""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brainstem.detect import DetectorSet, Observation, build_detectors
from brainstem.settings import load_settings

# thresholds low enough that short streams open bursts, spreads, self-heals and pairs
SMALL = dict(burst_min_events=3, burst_baseline_windows=2, burst_window_seconds=60, spread_min_assets=3,
             spread_window_seconds=60, self_heal_min_pairs=2, precursor_min_support=2,
             precursor_min_lead_seconds=5, precursor_window_seconds=600, anomaly_rate_min_events=3,
             anomaly_baseline_seconds=3600, anomaly_hold_seconds=60, recurrence_min_buckets=2)

# per signature, the templates it may carry (a template can change under a signature, as the miner refines it)
TEMPLATES = [
    ["chatter line <*>", "chatter line <*> <*>"],
    ["Interface <*> changed state to down", "Interface Gi0/1 changed state to down"],
    ["Interface <*> changed state to up"],
    ["nginx.service stopped", "session <*> disconnected"],
    ["nginx.service started", "session <*> connected"],
    ["disk failure on <*>"],
    ["ordinary message <*>"],
]

step = st.tuples(
    st.integers(0, 5) | st.integers(0, 120) | st.integers(0, 4000) | st.integers(-600, 0)
    | st.integers(0, 200_000),
    st.integers(0, len(TEMPLATES) - 1),     # signature
    st.integers(0, 1),                      # which of its templates
    st.integers(0, 7),                      # host
    st.integers(0, 7),                      # severity rank
    st.sampled_from([None] * 6 + ["active", "cleared", "acknowledged", "update"]),
    st.integers(0, 2),                      # alert id
    st.booleans(),                          # acknowledged flag
    st.sampled_from([None] * 30 + ["checkpoint", "forget"]),
)


def _observations(steps):
    ts = 1_780_000_000.5
    for i, (dt, sig, variant, host, sev, status, aid, ack, then) in enumerate(steps):
        ts += dt + (i % 7) / 8          # fractional times too
        templates = TEMPLATES[sig]
        alert = (f"LMD{aid}", status, ack) if status else None
        yield Observation(ts, f"e{i}", f"sig{sig}", f"host{host}", sev, templates[variant % len(templates)],
                          alert), then


def _resumed(detectors, s):
    """A fresh set with the state of ``detectors``, as a restarted ingest gets it."""
    saved = json.loads(json.dumps([d.to_state() for d in detectors]))
    fresh = build_detectors(s)
    for d, state in zip(fresh, saved):
        d.load_state(state)
    return fresh


def _run(s, items, learn):
    detectors = build_detectors(s)
    out = []
    for obs, then in items:
        out += [repr(f) for f in learn(detectors, obs)]
        if then == "checkpoint":
            detectors = _resumed(detectors, s)
        elif then == "forget":
            for d in detectors:
                d.forget(obs.signature_key)
    return out, json.dumps([d.to_state() for d in detectors], sort_keys=True)


def _plain(detectors, obs):
    found = []
    for d in detectors:
        found += d.learn_one(obs)
    return found


def _set(detectors, obs):
    return detectors.learn_one(obs)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=500))
def test_the_set_finds_and_keeps_what_the_plain_loop_does(steps):
    s = load_settings(env={}, **SMALL)
    items = list(_observations(steps))
    assert _run(s, items, _set) == _run(s, items, _plain)


def _rising(n):
    """A stream on which every detector has something to say: chatter that turns steady, a link that flaps,
    an alert that clears by itself, a warning that comes before a failure, a burst and a spread, a new line."""
    out = []
    t = 1_780_000_000.0
    for i in range(n):
        t += 7.0
        out.append((Observation(t, f"c{i}", "chatter", f"host{i % 5}", 6, "chatter line <*>"), None))
        if i % 40 == 0:
            out.append((Observation(t + 1, f"d{i}", "down", "sw1", 3, "Interface <*> changed state to down"), None))
            out.append((Observation(t + 3, f"u{i}", "up", "sw1", 5, "Interface <*> changed state to up"), None))
            out.append((Observation(t + 2, f"a{i}", "alert", "sw2", 3, "alert <*>", (f"A{i}", "active", False)),
                        None))
            out.append((Observation(t + 4, f"z{i}", "alert", "sw2", 3, "alert <*>", (f"A{i}", "cleared", False)),
                        None))
        if i % 1500 == 100:
            out.append((Observation(t + 1, f"w{i}", "warn", "db1", 4, "disk nearly full"), None))
            out.append((Observation(t + 200, f"f{i}", "fail", "db1", 2, "disk failure on <*>"), None))
        if i == n - 300:
            out.append((Observation(t + 2, f"n{i}", "novel", "db2", 3, "never seen before <*>"), None))
        if i % 1000 == 500:
            out += [(Observation(t + 5 + j / 10, f"b{i}.{j}", "storm", f"host{j % 9}", 3, "storm <*>"), None)
                    for j in range(30)]
    out.sort(key=lambda x: x[0].ts)
    return out


def test_the_set_matches_on_a_stream_where_every_detector_finds_something():
    s = load_settings(env={}, **SMALL)
    items = _rising(9000)
    found, state = _run(s, items, _set)
    assert (found, state) == _run(s, items, _plain)
    kinds = {f.split("'")[1] for f in found}
    assert kinds == {"burst", "spread", "self_heal", "precursor", "anomaly"}    # recurrence needs days


def test_the_set_is_the_seven_detectors_in_order():
    detectors = build_detectors(load_settings(env={}))
    assert isinstance(detectors, DetectorSet)
    assert [d.name for d in detectors] == ["profile", "recurrence", "burst", "spread", "self_heal", "precursor",
                                           "anomaly"]


def test_the_set_refuses_a_precursor_that_reads_another_profile():
    a, b = build_detectors(load_settings(env={})), build_detectors(load_settings(env={}))
    with pytest.raises(ValueError, match="profile"):
        DetectorSet(a[0], a[1], a[2], a[3], a[4], b[5], a[6])
