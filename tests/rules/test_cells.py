from brainstem.rules import RuleEngine


def ev(formula, rules=""):
    eng = RuleEngine(now=0)
    if rules:
        eng.load(rules)
    return eng.evaluate(formula)


def test_arithmetic_precedence_and_division_by_zero():
    assert ev("2*3-4/8") == 5.5
    assert ev("20-6-4") == 10
    assert ev("5/0") is None


def test_relations_string_vs_number():
    assert ev('"a"=1') is False
    assert ev('"a"<>1') is True
    assert ev('"a"<1') is None


def test_three_valued_logic():
    assert ev("? & !") is False
    assert ev("? | !!") is True
    assert ev("? & !!") is None
    assert ev("!?") is None
    assert ev("?x") is True


def test_regex_match():
    assert ev('"abc123"~"^abc[0-9]+$"') is True
    assert ev('"xyz"~"^abc"') is False


def test_lazy_cell_computed_only_when_subscribed():
    eng = RuleEngine(now=0)
    eng.load("define g cell a*b;\nassert a=2,b=3;")
    assert eng.find(eng.root, "g").refs == 0
    eng.load("define r on(g>5);")
    assert eng.find(eng.root, "g").value == 6.0


def test_eq_const_agrees_with_generic_relation():
    from brainstem.rules.cells import BINARY, Const, EqConst, Term
    from brainstem.rules.values import FALSE, TRUE, UNKNOWN
    values = ["a", "b", "", 0.0, 1.0, -2.5, UNKNOWN, TRUE, FALSE]
    for c in [v for v in values if type(v) in (str, float)]:
        for v in values:
            t = Term("x", Term("", None))
            t.value = v
            cell = EqConst(t, Const(c))
            assert cell.compute() is BINARY["="](v, c), (v, c)
            assert cell.compute_fresh() is cell.compute()
            assert cell.display(top=True) == 'x=' + ('"%s"' % c if type(c) is str else cell.b.display())
