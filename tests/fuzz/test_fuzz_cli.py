"""`crl.cli.main` on drawn argument lists: exit code 0 or 2 with a one-line message, never a traceback.

The work behind a command that parsed (training, the demo, an evaluation) is replaced by a stub that
raises `Reached`: this fuzzes the parsing and the checks before the work, in milliseconds.
"""
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import crl.demo
import crl.evaluation
import crl.scene_data
from crl.cli import SUBCOMMANDS, build_parser, main


class Reached(Exception):
    """The command parsed its arguments and got to its work."""


def _stop(*args, **kwargs):
    raise Reached


def _flags() -> dict[str, list[str]]:
    """Each subcommand's flags but --help (which only prints)."""
    parsers = build_parser()._subparsers._group_actions[0].choices
    return {name: sorted({flag for action in parser._actions for flag in action.option_strings} - {"-h", "--help"})
            for name, parser in parsers.items()}


FLAGS = _flags()
VALUES = ["0", "-1", "1", "16", "2.5", "nan", "inf", "1e400", "", "auto", "tpu", "cpu", "pendulum", "nowhere", "list",
          "render", "light=1", "light=shift:x", "=", "a=b=c", "{tmp}/out", "{tmp}/missing.csv", "{tmp}/bad.csv",
          "{tmp}/bad.toml", "{tmp}/not.png", "{tmp}", "/nonexistent/model", "pc", "--", "-", "é", "\x00"]
# each command with arguments that parse (the drawn tokens follow and override them), or bare
BASES = {"demo": ["--quick", "--out", "{tmp}/demo"], "train": ["--out", "{tmp}/m", "--resolution", "16"],
         "discover": ["--csv", "{tmp}/bad.csv"], "query": ["{tmp}", "--do", "light=1", "--out", "{tmp}/q"],
         "evaluate": ["{tmp}", "--scene", "pendulum", "--out", "{tmp}/e"],
         "scene": ["render", "pendulum", "--out", "{tmp}/s", "--resolution", "16", "--n", "2"]}


@st.composite
def argvs(draw) -> list[str]:
    """A command (with arguments that parse, or bare) and drawn flag-value pairs of that command, with a
    few loose tokens."""
    command = draw(st.sampled_from([*SUBCOMMANDS, "nope", "--version", "-h"]))
    argv = [command, *(BASES.get(command, []) if draw(st.integers(0, 4)) else [])]
    flags = st.sampled_from(FLAGS.get(command, ["--help"]))
    pair = st.tuples(flags, st.sampled_from(VALUES))
    for _ in range(draw(st.integers(0, 3))):
        argv += draw(st.one_of(pair, pair, pair, st.tuples(flags), st.tuples(st.sampled_from(VALUES))))
    return argv


@pytest.fixture
def stubs(monkeypatch, tmp_path):
    for module, name in [(crl.scene_data, "scene_training_data"), (crl.demo, "run_demo"),
                         (crl.evaluation, "evaluate"), (crl, "evaluate")]:
        monkeypatch.setattr(module, name, _stop)
    monkeypatch.setenv("CRL_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "bad.csv").write_text("a,b\n1,x\n,\n")
    (tmp_path / "bad.toml").write_text("n = [\n")
    (tmp_path / "not.png").write_text("not an image")
    return tmp_path


@settings(max_examples=settings.default.max_examples * 4)  # milliseconds each
@given(drawn=argvs())
def test_main_exits_0_or_2_with_one_line(drawn, stubs, capsys):
    argv = [token.format(tmp=stubs) for token in drawn]
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse: --help, --version, a usage error
        assert exit_.code in (0, 2), argv
        event(f"argparse exit {exit_.code}")
        return
    except Reached:
        event("reached the work")
        return
    event(f"exit {code}")
    assert code in (0, 2), argv
    if code == 2 and argv[0] in SUBCOMMANDS:
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith(f"crl {argv[0]}: error:"), (argv, err)
