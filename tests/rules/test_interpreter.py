import io

from brainstem.rules.interpreter import run_nb


def run(tmp_path, text, **kw):
    path = tmp_path / "t.nb"
    path.write_text(text)
    out = io.StringIO()
    code = run_nb([str(path)], test_mode=True, allow_shell=kw.get("allow_shell", False), out=out)
    return code, out.getvalue()


def test_echo_firing_and_show(tmp_path):
    code, out = run(tmp_path, "define r on(a=1) b=2;\nassert a=1;\nshow b\n")
    assert code == 0
    assert "> assert a=1;\n0000-00-00 00:00:00 NB000I Rule r fired (b=2)\n" in out
    assert "b = 2\n" in out


def test_syntax_error_names_file_line_column_and_goes_on(tmp_path):
    code, out = run(tmp_path, "assert a=1;\nassert b=(;\nshow a\n")
    assert code == 1
    assert "t.nb:2:11: unexpected token at ';'" in out
    assert "a = 1" in out


def test_shell_is_skipped_without_allow_shell_but_sleep_advances(tmp_path):
    code, out = run(tmp_path, "-echo hi\ndefine c node cache:(!~(2s):a);\nc. define x if(_action=\"expire\");\n"
                              "c. assert (\"k\");\n-sleep 3\n")
    assert "Shell command not run" in out
    assert "Rule c.x fired" in out
    assert code == 0


def test_substitution_in_actions(tmp_path):
    code, out = run(tmp_path, 'define r if(t):$ # v=${v} w=${w}\nassert v="x";\nalert t;\n')
    assert ": # v=x w=?" in out   # asserted terms stay; unknown terms substitute as ?
