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
    assert parse("?c.x").display() == "(?c.x)"   # NodeBrain parenthesizes prefix operators
    assert parse("!a=1").display() == "(!(a=1))"  # and they bind looser than relations
    assert parse("!a & b").display() == "((!a)&b)"


def test_assertion_list_text_is_compacted():
    eng = RuleEngine(now=0)
    items, text = Parser(eng, eng.root, '?w, h = "a b",!f').assertions()
    assert [a.kind for a in items] == ["set", "set", "set"]
    assert text == '?w,h="a b",!f'


def test_syntax_error_has_offset_and_token():
    with pytest.raises(RuleSyntaxError) as exc:
        parse("1 + )")
    assert exc.value.offset == 4 and exc.value.token == ")"


def test_deep_nesting_is_a_syntax_error_not_a_recursion_error(tmp_path):
    # issue 7 item 6: 10,000 levels used to end `brainstem nb` with a RecursionError
    import subprocess
    import sys
    from brainstem.rules.parser import MAX_DEPTH
    path = tmp_path / "deep.nb"
    path.write_text("define r1 on(" + "(" * 10_000 + "1" + ")" * 10_000 + ");\nshow r1\n")
    run = subprocess.run([sys.executable, "-m", "brainstem.cli", "nb", "--test", str(path)],
                         capture_output=True, text=True, timeout=60)
    assert "Traceback" not in run.stderr + run.stdout
    assert f"NB000E {path}:1: expression nested deeper than {MAX_DEPTH}" in run.stdout
    assert run.returncode == 1
    assert "r1 = ?" in run.stdout     # the run went on to the next line


def test_nesting_up_to_the_limit_parses():
    from brainstem.rules.parser import MAX_DEPTH
    eng = RuleEngine(now=0)
    depth = MAX_DEPTH - 2
    assert eng.evaluate("(" * depth + "1+1" + ")" * depth) == 2.0
    with pytest.raises(RuleSyntaxError, match="nested deeper"):
        eng.evaluate("! " * (MAX_DEPTH + 1) + "1")
