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
