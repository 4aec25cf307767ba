"""Cache counters, thresholds, expiry, and a property test against a brute-force recount."""
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from brainstem.rules import RuleEngine


def cache(spec, now=0.0):
    eng = RuleEngine(now=now)
    eng.load(f"define c node cache:{spec};")
    return eng, eng.find(eng.root, "c").node


def test_kid_threshold_fires_once_per_episode():
    eng, c = cache("(host[2],user)")
    got = []
    eng.load("c. define k if(host__kidState);")
    eng.on_fire = lambda f: got.append(f.terms["host__kidState"])
    for u in ("a", "a", "b", "c"):
        eng.load(f'c. assert ("h","{u}");')
    assert got == ["minor"]


def test_reset_rearms_only_below_reset_value():
    eng, c = cache("(a[^2,3],b)")
    for b in (1, 2, 3):
        eng.load(f'c. assert ("x",{b});')
    node = c.find(["x"])
    assert node.ki == 2
    eng.load('c. assert !("x",3);')
    assert node.ki == 2          # 2 kids is not below ^2
    eng.load('c. assert !("x",2);')
    assert node.ki == 1


def test_counting_expiry_decrements_each_insertion():
    eng, c = cache("(~(4s):a,b(3))")
    eng.load('c. assert ("x","y");\nc. assert ("x","y");')
    eng.advance_to(2)
    eng.load('c. assert ("x","y");')
    eng.advance_to(5)
    assert c.find(["x", "y"]).hits == 1
    eng.advance_to(7)
    assert c.find(["x"]) is None and c.root.rows == 0


def test_expire_with_counting_expires_every_insertion():
    # D3: NodeBrain keeps one timer per row here; we keep one per insertion
    eng, c = cache("(!~(2s):a(3))")
    got = []
    eng.load("c. define x if(_action=\"expire\");")
    eng.on_fire = lambda f: got.append(f.terms["a"])
    eng.load('c. assert ("x");\nc. assert ("x");')
    eng.advance_to(3)
    assert c.find(["x"]) is None and got == ["x"]


def test_exist_option_alerts_add_and_delete():
    eng, c = cache("?(a,b)")
    got = []
    eng.load("c. define r if(_action);")
    eng.on_fire = lambda f: got.append(f.terms["_action"])
    eng.load('c. assert ("x",1);\nc. assert ("x",1);\nc. assert !("x",1);')
    assert got == ["add", "delete"]


def test_show_lines_counters():
    eng, c = cache("(a,b(2))")
    eng.load('c. assert ("x","y");\nc. assert ("x","y");')
    assert c.element_lines() == ['    ???(2:1){1:1}[1:1],', '      "x"(2:1){1:1}[1:1],', '        "y"(2:2)']


ROWS = st.tuples(st.sampled_from("ab"), st.sampled_from("xyz"), st.sampled_from("12"))
OPS = st.lists(st.one_of(
    st.tuples(st.just("insert"), ROWS),
    st.tuples(st.just("delete"), st.one_of(ROWS.map(lambda r: r[:1]), ROWS.map(lambda r: r[:2]), ROWS)),
    st.tuples(st.just("sleep"), st.integers(0, 6)),
), max_size=60)


def recount(live, prefix):
    """Brute force: hits, distinct next values, distinct rows under `prefix`."""
    under = [r for r in live for _ in range(live[r]) if r[:len(prefix)] == prefix]
    rows = {r for r in under}
    kids = {r[len(prefix)] for r in rows} if len(prefix) < 3 else set()
    return len(under), len(kids), len(rows)


@settings(max_examples=150, deadline=None)
@given(OPS)
def test_counters_equal_brute_force_recount(ops):
    eng, c = cache("(~(5s):a[2],b{2},c(2,3))")
    now = 0.0
    live: list = []   # (row, time asserted) of every insertion still alive
    for op, arg in ops:
        if op == "insert":
            eng.load('c. assert ("%s","%s","%s");' % arg)
            live.append((arg, now))
        elif op == "delete":
            eng.load("c. assert !(%s);" % ",".join('"%s"' % v for v in arg))
            live = [(r, t) for r, t in live if r[:len(arg)] != arg]
        else:
            now += arg
            eng.advance_to(now)
            live = [(r, t) for r, t in live if t + 5 > now]
        counts = Counter(r for r, _ in live)
        for prefix in [()] + [r[:k] for r in counts for k in (1, 2, 3)]:
            node = c.find(list(prefix))
            hits, kids, rows = recount(counts, prefix)
            if not hits:
                assert node is None or prefix == ()
                if prefix == ():
                    assert (c.root.hits, c.root.kids, c.root.rows) == (0, 0, 0)
                continue
            assert node is not None, prefix
            assert node.hits == hits, prefix
            if len(prefix) < 3:
                assert (node.kids, node.rows) == (kids, rows), prefix


def test_emptying_a_cache_does_not_multiply_its_engine_timers():
    eng, c = cache("(~(10s):a,b(5))")
    for i in range(50):
        eng.load(f'c. assert ("x","{i % 3}");\nc. assert !();')
        eng.advance_to(float(i))
    assert len(eng._timers) <= 1
    eng.load('c. assert ("y","1");')
    eng.advance_to(100.0)
    assert c.find(["y"]) is None and not eng._timers


def test_expired_rows_leave_the_tree_bounded_by_the_window():
    eng, c = cache("(~(60s):host[50],user(20))")
    eng.load('define r if(t="that") c(host,user);')
    for i in range(5000):
        eng.alert({"t": "that", "host": f"h{i % 40}", "user": f"u{i}"}, float(i))
    assert c.root.rows == 60 and len(c.tdue) == 60
