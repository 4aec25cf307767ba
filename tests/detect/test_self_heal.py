from brainstem.detect.base import Observation
from brainstem.detect.self_heal import SelfHealDetector, polarity

DOWN = "%LINK-3-UPDOWN: Interface <*>, changed state to down"
UP = "%LINK-3-UPDOWN: Interface <*>, changed state to up"


def _obs(ts, template, key, asset="sw1"):
    return Observation(ts=ts, event_id=f"e{ts}{key}", signature_key=key, asset=asset, severity=3, template=template)


def test_polarity_pairs_templates_that_differ_in_one_state_word():
    down, up = polarity(DOWN), polarity(UP)
    assert down[0] == up[0] and down[1] is True and up[1] is False
    assert polarity("nginx: started worker") != polarity(DOWN)
    assert polarity("ordinary message") is None


def test_flapping_link_becomes_self_heal_then_flapping():
    d = SelfHealDetector(window_seconds=900, min_pairs=2)
    out = []
    for i in range(6):
        t = i * 3600.0
        out += d.learn_one(_obs(t, DOWN, "kd"))
        out += d.learn_one(_obs(t + 30, UP, "ku"))
    assert len(out) == 5                      # from the 2nd pair on
    assert out[-1].metrics["pairs"] == 6 and out[-1].metrics["flapping"] is True
    assert out[-1].metrics["mean_recovery_seconds"] == 30.0
    assert out[-1].signature_keys == ("kd", "ku") and out[-1].key == "kd+ku"


def test_recovery_on_another_asset_or_too_late_does_not_count():
    d = SelfHealDetector(window_seconds=900, min_pairs=1)
    assert d.learn_one(_obs(0, DOWN, "kd", asset="sw1")) == []
    assert d.learn_one(_obs(10, UP, "ku", asset="sw2")) == []
    assert d.learn_one(_obs(2000, UP, "ku", asset="sw1")) == []   # 2000 s later: not a self-heal
    d.learn_one(_obs(3000, DOWN, "kd", asset="sw1"))
    assert len(d.learn_one(_obs(3010, UP, "ku", asset="sw1"))) == 1
