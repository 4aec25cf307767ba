"""The whole detector set under streams no benchmark has: times that jump back and forth,
a few signatures on many hosts, signatures retired mid-episode, checkpoints anywhere.

No stream may raise, and a checkpoint in the middle (state to JSON and back into a fresh
detector set) must change nothing that follows. (tests/detect/test_burst.py holds the
stream that did raise: a burst that a spread held at its start.)
"""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brainstem.detect import Observation, build_detectors
from brainstem.settings import load_settings

# thresholds low enough that short streams open bursts, spreads and pairs
SMALL = dict(burst_min_events=3, burst_baseline_windows=2, burst_window_seconds=60, spread_min_assets=3,
             spread_window_seconds=60, self_heal_min_pairs=2, precursor_min_support=2,
             anomaly_rate_min_events=3)

step = st.tuples(
    st.integers(0, 4) | st.integers(0, 4) | st.integers(-900, 900) | st.integers(-700_000, 0),  # late ones too
    st.integers(0, 3),                      # signature
    st.integers(0, 11),                     # host
    st.integers(0, 7),                      # severity rank
    st.sampled_from([None, None, None, None, "active", "cleared", "acknowledged"]),
    st.just(False) | st.just(False) | st.booleans(),   # now and then the signature is retired
)


def _observations(steps):
    ts = 1_780_000_000.0
    for i, (dt, sig, host, sev, alert, retire) in enumerate(steps):
        ts += dt
        yield Observation(ts, f"e{i}", f"sig{sig}", f"host{host}", sev, f"template {sig}",
                          (f"LMD{sig}", alert, alert == "acknowledged") if alert else None), retire


def _run(detectors, items):
    out = []
    for obs, retire in items:
        for d in detectors:
            found = d.learn_one(obs)
            if found and d is not detectors[0]:
                out += [(f.candidate_type, f.key, f.episode, json.dumps(f.metrics, sort_keys=True, default=str))
                        for f in found]
        if retire:
            for d in detectors:
                d.forget(obs.signature_key)
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=400), st.integers(0, 400))
def test_no_stream_breaks_the_detectors_and_a_checkpoint_changes_nothing(steps, cut):
    s = load_settings(env={}, **SMALL)
    items = list(_observations(steps))
    cut = min(cut, len(items))
    straight = _run(build_detectors(s), items)

    first = build_detectors(s)
    before = _run(first, items[:cut])
    saved = json.loads(json.dumps([d.to_state() for d in first]))
    resumed = build_detectors(s)
    for d, state in zip(resumed, saved):
        d.load_state(state)
    after = _run(resumed, items[cut:])
    assert before + after == straight
