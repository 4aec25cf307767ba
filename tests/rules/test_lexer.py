import pytest

from brainstem.rules.errors import RuleSyntaxError
from brainstem.rules.lexer import Lexer, tokenize


def kinds(text):
    return [(k, t) for k, t, _ in tokenize(text)][:-1]


def test_names_numbers_strings_and_operators():
    assert kinds('a.b>=12.5 & ~"x y"') == [
        ("NAME", "a.b"), ("OP", ">="), ("NUM", "12.5"), ("OP", "&"), ("OP", "~"), ("STR", '"x y"')]


def test_dot_prefixed_names_and_comment():
    assert kinds(".level=1 # comment") == [("NAME", ".level"), ("OP", "="), ("NUM", "1")]


def test_rest_gives_back_a_peeked_token():
    lx = Lexer("on(a):$ # raw ${x}")
    for _ in range(4):
        lx.next()
    assert lx.next()[1] == ":"
    lx.peek()
    assert lx.rest() == "$ # raw ${x}"


def test_unterminated_string_reports_offset():
    with pytest.raises(RuleSyntaxError) as exc:
        tokenize('a="abc')
    assert exc.value.offset == 2
