import pytest

from brainstem.rules.values import FALSE, TRUE, UNKNOWN, format_number, from_python, is_true, plain, show


def test_number_format_is_ten_significant_digits():
    assert format_number(10 / 3) == "3.333333333"
    assert format_number(1e11) == "1e+11"
    assert format_number(0.1 + 0.2) == "0.3"
    assert format_number(-0.0) == "0"


def test_show_and_plain():
    assert show("a") == '"a"' and plain("a") == "a"
    assert show(TRUE) == "!!" and show(FALSE) == "!" and show(UNKNOWN) == "?"


def test_truth_zero_is_true():
    assert is_true(0.0) and is_true("") and not is_true(FALSE) and not is_true(UNKNOWN)


def test_from_python():
    assert from_python(None) is UNKNOWN and from_python(True) is TRUE and from_python(3) == 3.0


def test_an_integer_no_float_can_hold_is_a_rule_error_naming_it():
    from brainstem.rules import RuleError
    from brainstem.rules.values import from_python
    with pytest.raises(RuleError, match="number out of range"):
        from_python(10 ** 400)
    assert from_python(10 ** 300) == 1e300


def test_an_alert_with_a_value_out_of_range_names_the_attribute_and_changes_nothing():
    from brainstem.rules import RuleEngine, RuleError
    eng = RuleEngine(now=0.0)
    eng.load("define r if(n>1) y=1;")
    with pytest.raises(RuleError, match="alert attribute 'n': number out of range"):
        eng.alert({"m": "x", "n": 10 ** 400}, 1.0)
    assert eng.value("m") is None and eng.value("y") is None
    with pytest.raises(TypeError, match="alert attribute 'n': unsupported value"):
        eng.alert({"n": [1]}, 1.0)
