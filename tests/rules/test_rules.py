from brainstem.rules import RuleEngine


def fired(eng, fn):
    names = []
    eng.on_fire = lambda f: names.append(f.rule)
    fn()
    return names


def test_on_fires_on_transition_only():
    eng = RuleEngine(now=0)
    eng.load("define r on(x>1);")
    assert fired(eng, lambda: eng.load("assert x=2;")) == ["r"]
    assert fired(eng, lambda: eng.load("assert x=3;")) == []
    assert fired(eng, lambda: eng.load("assert x=0;\nassert x=5;")) == ["r"]


def test_when_fires_once_and_is_removed():
    eng = RuleEngine(now=0)
    eng.load("define w when(x);")
    assert fired(eng, lambda: eng.load("assert x;\nassert !x;\nassert x;")) == ["w"]
    assert "w" not in eng.root.children


def test_if_fires_on_every_alert_but_not_on_assert():
    eng = RuleEngine(now=0)
    eng.load("define i if(x=1);")
    assert fired(eng, lambda: eng.load("assert x=1;")) == []
    assert fired(eng, lambda: [eng.alert({"x": 1}, 1), eng.alert({"x": 1}, 2)]) == ["i", "i"]


def test_alert_reverts_previous_alert_terms():
    eng = RuleEngine(now=0)
    eng.alert({"a": 1, "b": 2}, 1)
    eng.alert({"a": 3}, 2)
    assert eng.value("b") is None and eng.value("a") == 3


def test_cycle_limit_one_firing_per_rule():
    eng = RuleEngine(now=0)
    eng.load("define on1 on(!lamp) lamp;\ndefine off1 on(lamp) !lamp;")
    lines = []
    eng.sink = lines.append
    eng.load("assert lamp;")
    assert any("Cycle error - off1" in ln for ln in lines)


def test_firing_snapshot_has_cache_terms():
    eng = RuleEngine(now=0)
    eng.load("define c node cache:(host[2],user);\nc. define wide if(host__kidState);\n"
             "define feed if(t=1) c(host,user);")
    got = []
    eng.on_fire = got.append
    eng.alert({"t": 1, "host": "h", "user": "a"}, 1)
    eng.alert({"t": 1, "host": "h", "user": "b"}, 2)
    wide = [f for f in got if f.rule == "c.wide"][0]
    assert wide.context == "c" and wide.time == 2
    assert wide.terms["host"] == "h" and wide.terms["host__kids"] == 2
    assert wide.terms["host__kidState"] == "minor"
