import pytest

from brainstem.rules import RuleEngine
from brainstem.rules.errors import RuleSyntaxError
from brainstem.rules.parser import Parser


def parse(text):
    eng = RuleEngine(now=0)
    return Parser(eng, eng.root, text).expr()


def test_display_parenthesizes_binary_operators():
    assert parse("1+2*3").display() == "(1+(2*3))"
    assert parse("a>1 and b=2").display(top=True) == "(a>1)&(b=2)"


def test_negative_literals_and_prefix_operators():
    assert parse("3 - -2").display() == "(3--2)"
    assert parse("?c.x").display() == "?c.x"


def test_assertion_list_text_is_compacted():
    eng = RuleEngine(now=0)
    items, text = Parser(eng, eng.root, '?w, h = "a b",!f').assertions()
    assert [a.kind for a in items] == ["set", "set", "set"]
    assert text == '?w,h="a b",!f'


def test_syntax_error_has_offset_and_token():
    with pytest.raises(RuleSyntaxError) as exc:
        parse("1 + )")
    assert exc.value.offset == 4 and exc.value.token == ")"
