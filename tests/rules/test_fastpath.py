"""Fast paths against the generic path: the same random rules and event streams run
through an engine with its fast paths (`_fast = True`, the default) and one without
(`_fast = False`: generic assign/insert/react) must log the same lines, report the
same firings (rule, context, time, kind, terms) and `show` the same caches."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brainstem.rules import RuleEngine

ATTRS = ("a", "b", "c")


@st.composite
def thresholds(draw):
    """Optional (hits){rows}[kids] lists, each `[^reset,]t1[,t2[,t3]]`."""
    out = ""
    for o, c in (("(", ")"), ("{", "}"), ("[", "]")):
        if draw(st.booleans()):
            levels = sorted(draw(st.lists(st.integers(1, 4), min_size=0, max_size=3, unique=True)))
            if not levels:
                out += o + "0" + c
                continue
            reset = draw(st.one_of(st.none(), st.integers(0, 3)))
            out += o + ("^%d," % reset if reset is not None else "") + ",".join(map(str, levels)) + c
    return out


@st.composite
def specs(draw):
    n = draw(st.integers(1, 3))
    exist = "?" if draw(st.booleans()) else ""
    expire = "!" if draw(st.booleans()) else ""
    interval = draw(st.sampled_from(["", "~(3s)", "~(5s)"]))
    root = draw(thresholds())
    cols = ",".join(ATTRS[i] + draw(thresholds()) for i in range(n))
    return n, f"cache:{exist}({expire}{interval}{root + ':' if root else ''}{cols})"


def rules_for(n: int, spec: str, extra_arg: bool) -> str:
    cols = ATTRS[:n]
    lines = [f"define c node {spec};"]
    # every state and counter term of the cache gets an `if` and an `on` rule
    for prefix in ("",) + tuple(a + "_" for a in cols):
        for kind in ("hit", "row", "kid"):
            lines.append(f"c. define i{prefix}{kind} if({prefix}_{kind}State);")
            lines.append(f'c. define o{prefix}{kind} on({prefix}_{kind}State="major");')
    lines.append('c. define act if(_action);')
    lines.append('c. define exp if(_action="expire") x=1;')
    args = ",".join(cols) + (",t" if extra_arg else "")
    lines.append(f'define feed if(t="that") c({args});')
    lines.append(f"define watch on(c({cols[0]}));")
    lines.append(f"define many on(c@kids({cols[0]}) > 1);")
    lines.append("define rows on(c@rows() >= 3);")
    return "\n".join(lines)


VALS = st.sampled_from(["x", "y", "z"])
OPS = st.lists(st.one_of(
    st.tuples(st.just("alert"), st.sampled_from(["that", "this"]), st.tuples(VALS, VALS, VALS)),
    st.tuples(st.just("assert"), st.just(""), st.tuples(VALS, VALS, VALS)),
    st.tuples(st.just("calert"), st.just(""), st.tuples(VALS, VALS, VALS)),
    st.tuples(st.just("delete"), st.integers(0, 3), st.tuples(VALS, VALS, VALS)),
    st.tuples(st.just("sleep"), st.integers(0, 4), st.just(())),
), max_size=50)


def run(rules: str, n: int, ops, fast: bool):
    eng = RuleEngine(now=1000.0, test_mode=True)
    eng._fast = fast
    log: list = []
    eng.sink = log.append
    eng.load(rules)
    firings = []
    eng.on_fire = lambda f: firings.append((f.rule, f.context, f.time, f.kind, f.terms))
    now = 1000.0
    returned = []
    for op, arg, row in ops:
        row = row[:n]
        if op == "alert":
            attrs = {"t": arg, **dict(zip(ATTRS, row))}
            returned.append([(f.rule, f.terms) for f in eng.alert(attrs, now)])
        elif op in ("assert", "calert"):
            verb = "assert" if op == "assert" else "alert"
            eng.load(f"c. {verb} (" + ",".join(f'"{v}"' for v in row) + ");")
        elif op == "delete":
            eng.load("c. assert !(" + ",".join(f'"{v}"' for v in row[:arg]) + ");")
        else:
            now += arg
            eng.advance_to(now)
        log.append(f"-- {op}")
    eng.load("show c")
    return log, firings, returned


@settings(max_examples=200, deadline=None)
@given(specs(), st.booleans(), OPS)
def test_fast_and_generic_paths_agree(spec, extra_arg, ops):
    n, text = spec
    rules = rules_for(n, text, extra_arg)
    fast = run(rules, n, ops, True)
    slow = run(rules, n, ops, False)
    assert fast[0] == slow[0]
    assert fast[1] == slow[1]
    assert fast[2] == slow[2]


def test_bench_shape_agrees():
    """The issue-4 benchmark rules on a longer stream with expiry."""
    import random
    rules = ("define c node cache:(~(60s):host[5],user(3));\n"
             "c. define HostKids if(host__kidState);\nc. define UserHits if(user__hitState);\n"
             'define r1 if(type="that") c(host,user);')
    rnd = random.Random(7)
    out = []
    for fast in (True, False):
        eng = RuleEngine(now=0.0, test_mode=True)
        eng._fast = fast
        log: list = []
        eng.sink = log.append
        eng.load(rules)
        got = []
        eng.on_fire = lambda f: got.append((f.rule, f.time, f.terms))
        for i in range(3000):
            eng.alert({"type": rnd.choice(("that", "this")), "host": f"h{rnd.randrange(20)}",
                       "user": f"u{rnd.randrange(30)}"}, i * 0.5)
        eng.load("show c")
        out.append((log, got))
        rnd = random.Random(7)
    assert out[0] == out[1]
    assert any(f[0] == "c.HostKids" for f in out[0][1])


def test_fast_alert_lines_match_the_parser():
    """`brainstem nb`'s regex path for plain alert lines (one regex per shape, alert
    programs) against the parser and the generic engine: same log, same term values,
    same errors."""
    from brainstem.rules.feed import run_lines
    lines = ['alert type="that",host="h1",user="u1";', 'alert type="that",host="h1",user="u2";',
             'alert type="this", host="h2" ,user="u1"', 'alert host="h3",type="that";',
             'alert type="that",host="h1",user=-3.5;', 'alert type="that",host="h1",user=7;',
             'alert type="that",host="h2",user="u1";', 'alert n=1;', 'alert n=1,n=2;',
             'alert type="that",host="h2",user="u1" ;  ', 'alert n=' + "9" * 400 + ';',
             'alert type="",host="h1",user="";', 'alert type="that",host=', 'alert n=2;',
             'define late if(type="this") n=5;', 'alert type="this",host="h1",user="u1";',
             'alert type="that",host="h1",user="u1";']
    rules = ("define c node cache:(host[2],user(2));\nc. define k if(host__kidState);\n"
             'define r1 if(type="that") c(host,user);\ndefine on1 on(n=2);')
    out = []
    for fast in (True, False):
        eng = RuleEngine(now=0.0, test_mode=True)
        eng._fast = fast
        log: list = []
        eng.sink = log.append
        eng.load(rules)
        errors = run_lines(eng, lines, "<t>", echo=True)
        eng.load("show c\nshow type\nshow user\nshow n")
        out.append((log, errors))
    assert out[0] == out[1]
    assert len(out[0][1]) == 2     # the number out of range and the unfinished line


def test_nested_react_from_an_action():
    """An action that advances the clock (`-sleep`) runs timers, and so a nested
    command cycle, while the outer one is firing rules."""
    rules = ("define c node cache:(!~(2s):a,b(2));\nc. define gone if(_action=\"expire\");\n"
             'define feed if(t="x") c(a,b);\ndefine later if(t="y"):-sleep 3\n'
             "define both if(t) n=1;")
    out = []
    for fast in (True, False):
        eng = RuleEngine(now=0.0, test_mode=True)
        eng._fast = fast
        log: list = []
        eng.sink = log.append
        eng.load(rules)
        for i, t in enumerate("xxyxy"):
            eng.alert({"t": t, "a": "p", "b": str(i % 2)}, float(i))
        eng.load("show c")
        out.append(log)
    assert out[0] == out[1]
    assert any("Rule c.gone fired" in ln for ln in out[0])


DICT_OPS = st.lists(st.one_of(
    # an alert: key order, values of every kind (str, int, float, bool, None), a context
    st.tuples(st.just("alert"), st.sampled_from([("t", "a", "b"), ("t", "a", "b"), ("b", "t", "a")]),
              st.tuples(st.sampled_from(["that", "this", 3, True, None]), st.sampled_from(["x", "y", 2.5]),
                        st.sampled_from(["p", "q", False])),
              st.sampled_from([None, None, None, "c"])),
    st.tuples(st.just("define"), st.integers(0, 2), st.just(()), st.just(None)),
    st.tuples(st.just("sleep"), st.integers(0, 3), st.just(()), st.just(None)),
), max_size=60)
LATE = ['define late if(a="y") n=1;', 'define gone when(t="this");', 'define more if(t="that") c(b,a);']


def run_dicts(ops, fast: bool, reenter: bool):
    eng = RuleEngine(now=0.0, test_mode=True)
    eng._fast = fast
    log: list = []
    eng.sink = log.append
    eng.load("define c node cache:(~(4s):a[2],b(2));\nc. define k if(a__kidState);\nc. define h if(b__hitState);\n"
             'define feed if(t="that") c(a,b);\ndefine seen on(t="this");\ndefine num if(t=3) m=1;')
    seen = []

    def hook(f):
        seen.append((f.rule, f.context, f.time, f.kind, f.terms))
        if reenter and f.rule == "c.k":    # an alert from inside a firing
            eng.alert({"t": "this", "a": "z", "b": "r"}, eng.now)
    eng.on_fire = hook
    now, returned = 0.0, []
    for op, arg, vals, ctx in ops:
        if op == "alert":
            attrs = dict(zip(arg, vals))
            returned.append([(f.rule, f.terms) for f in eng.alert(attrs, now, ctx)])
        elif op == "define":
            eng.load(LATE[arg])
        else:
            now += arg
    eng.load("show c")
    return log, seen, returned, eng.value("n"), eng.value("m")


@settings(max_examples=150, deadline=None)
@given(DICT_OPS, st.booleans())
def test_compiled_alert_of_dicts_agrees_with_the_generic_path(ops, reenter):
    """`RuleEngine.alert` compiles itself per key order (fastpath entry "dict"):
    values to convert, other orders, contexts, rules defined between alerts and
    alerts from inside `on_fire` give what the generic path gives."""
    fast = run_dicts(ops, True, reenter)
    slow = run_dicts(ops, False, reenter)
    assert fast == slow


def test_compiled_alert_is_taken_and_returns_the_firings():
    eng = RuleEngine(now=0.0)
    eng.load('define c node cache:(a[2],b);\nc. define k if(a__kidState);\ndefine feed if(t="that") c(a,b);')
    hooked = []
    eng.on_fire = hooked.append
    got = [eng.alert({"t": "that", "a": "x", "b": str(i)}, float(i)) for i in range(3)]
    assert ("t", "a", "b") in eng._dict_progs          # the second alert on compiled it
    assert [[f.rule for f in fs] for fs in got] == [["feed"], ["feed", "c.k"], ["feed"]]
    assert [f for fs in got for f in fs] == hooked
    assert got[1][0].terms == {"t": "that", "a": "x", "b": "1"}
    assert got[1][1].terms["a__kidState"] == "minor" and got[1][1].terms["b"] == "1"


def test_compiled_alert_converts_values_as_the_generic_path_does():
    eng = RuleEngine(now=0.0)
    eng.load('define num if(t=3) m=1;\ndefine yes if(t) k=1;')
    for _ in range(2):    # compiled by now
        eng.alert({"t": "x", "u": "y"}, 1.0)
    assert [f.rule for f in eng.alert({"t": 3, "u": None}, 2.0)] == ["num", "yes"]
    assert eng.value("t") == 3.0 and eng.value("u") is None
    assert [f.rule for f in eng.alert({"t": False, "u": True}, 3.0)] == []
    with pytest.raises(Exception):
        eng.alert({"t": object(), "u": "y"}, 4.0)


def test_alert_rows_fires_as_alert_does():
    """The bulk feed (tuples, one call) against one `alert` per dict: same firings,
    values converted the same way (int, bool, None), the clock advanced per row."""
    rules = ('define c node cache:(~(2s):a[2],b);\nc. define k if(a__kidState);\ndefine feed if(t="that") c(a,b);\n'
             'define num if(t=3) m=1;')
    rows = [("that", "x", "1"), ("that", "x", "2"), (3, "y", None), ("that", "y", True), ("this", "x", "3"),
            ("that", "x", "4"), ("that", "x", "5")]
    times = [0.0, 0.5, 1.0, 1.5, 2.0, 4.0, 4.5]
    got = []
    for bulk in (True, False):
        eng = RuleEngine(now=0.0)
        eng.load(rules)
        fired = []
        eng.on_fire = lambda f: fired.append((f.rule, f.time, f.terms))
        if bulk:
            assert eng.alert_rows(("t", "a", "b"), rows, times) == len(rows)
        else:
            for row, t in zip(rows, times):
                eng.alert(dict(zip(("t", "a", "b"), row)), t)
        got.append((fired, eng.value("m"), eng.value("b")))
    assert got[0] == got[1]
    assert [f[0] for f in got[0][0]].count("c.k") == 2    # the window emptied in between


def test_keys_seen_once_compile_no_dict_program():
    """A stream whose every alert has keys of its own compiles one program per keys
    (the values program), not two; keys seen again take the compiled alert."""
    eng = RuleEngine(now=0.0)
    eng.load('define r if(a="x") n=1;')
    for i in range(5):
        eng.alert({"a": "x", f"k{i}": "v"}, float(i))
    assert eng._dict_progs == {}
    eng.alert({"a": "x", "k0": "w"}, 6.0)
    assert list(eng._dict_progs) == [("a", "k0")]
