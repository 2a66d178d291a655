"""One command-line convention: key=value settings with the same names everywhere, Hydra's own flags for
``python -m sim``, and one line with a "did you mean" for anything misspelt."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sim import aggregate as aggregate_cmd
from sim import app as app_cmd
from sim import report as report_cmd
from sim import sweep as sweep_cmd
from sim.config import ConfigError, load_config

from .conftest import ROOT, run_cli


@pytest.mark.parametrize("flags, expect", [
    (["-c", "job", "scenario=classroom"], "name: classroom"),
    (["--cfg", "job", "scenario=classroom", "seed=4"], "seed: 4"),
    (["--info"], "Hydra"),
    (["--info", "defaults", "scenario=classroom"], "scenario/classroom"),
    (["--help"], "== Configuration groups =="),
    (["--hydra-help"], "Hydra"),
    (["--shell-completion", "install=bash"], "hydra_bash_completion"),
])
def test_hydra_flags_work(flags, expect):
    res = run_cli(*flags, timeout=120)
    assert res.returncode == 0, res.stderr
    assert expect in res.stdout


def test_out_dir_holds_everything_a_run_writes(tmp_path):
    cwd, out = tmp_path / "elsewhere", tmp_path / "run"
    cwd.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-m", "sim", "scenario=classroom", "scenario.days=7", f"out_dir={out}"],
                         cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert (out / "_summary.json").is_file() and (out / ".hydra" / "config.yaml").is_file()
    assert not any(cwd.iterdir()), f"written outside out_dir: {list(cwd.iterdir())}"


@pytest.mark.parametrize("overrides, says, not_says", [
    (["reform=[one_form]", "reform.one_form.form_overhead_hours=abc"], "wrong type", "not switched on"),
    (["reform.one_form.form_overhead_hours=abc", "reform=[one_form]"], "wrong type", "not switched on"),
    (["reform.one_form.form_overhead_hours=0.2"], "not switched on", None),
    (["reform=[one_fom]"], "did you mean 'one_form'", None),
    (["+reform=one_fom"], "did you mean 'one_form'", None),
    (["scenario=clasroom"], "did you mean 'classroom'", None),
    (["package=all_reform"], "did you mean 'all_reforms'", None),
    (["chat.read_minute=1"], "did you mean 'read_minutes'", None),
    (["+chat.read_minute=1"], "did you mean 'read_minutes'", None),
    (["seed=abc"], "wrong type", None),
])
def test_config_errors_are_one_line_and_say_what_is_wrong(overrides, says, not_says):
    with pytest.raises(ConfigError) as err:
        load_config(overrides)
    msg = str(err.value)
    assert says in msg and "\n" not in msg
    assert not_says is None or not_says not in msg


def test_wrong_type_under_a_reform_on_the_command_line():
    res = run_cli("reform=[one_form]", "reform.one_form.form_overhead_hours=abc", timeout=120)
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "wrong type" in res.stderr and "switched on" not in res.stderr


def _one_line_error(capsys, code, *needles):
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    for n in needles:
        assert n in err, err


def test_report_settings(tmp_path, capsys):
    _one_line_error(capsys, report_cmd.main([f"folder={tmp_path}", "pngs=false"]),
                    "pngs: unknown setting; did you mean 'png'?", "allowed: folder, lang, png")
    _one_line_error(capsys, report_cmd.main([str(tmp_path), "lang=fr"]), "lang", "zh, en")
    _one_line_error(capsys, report_cmd.main([str(tmp_path), "png=maybe"]), "png", "true or false")
    _one_line_error(capsys, report_cmd.main(["png=false"]), "folder: no value given")
    _one_line_error(capsys, report_cmd.main([str(tmp_path), "extra"]), "'extra': settings are key=value")
    # both spellings of the folder reach the report itself (which finds no runs here)
    _one_line_error(capsys, report_cmd.main([f"folder={tmp_path}", "png=false", "lang=en"]), str(tmp_path))
    _one_line_error(capsys, report_cmd.main([str(tmp_path), "png=false"]), str(tmp_path))


def test_aggregate_settings(tmp_path, capsys):
    _one_line_error(capsys, aggregate_cmd.main([f"foldr={tmp_path}"]), "did you mean 'folder'?", "allowed: folder")
    _one_line_error(capsys, aggregate_cmd.main([f"folder={tmp_path}"]), "no experiment.yaml")
    _one_line_error(capsys, aggregate_cmd.main([str(tmp_path)]), "no experiment.yaml")


def test_sweep_settings(tmp_path, capsys):
    out = f"out={tmp_path / 'x'}"
    _one_line_error(capsys, sweep_cmd.main(["compare_reforms", "seed=2", out]), "did you mean 'seeds'?", "allowed:")
    _one_line_error(capsys, sweep_cmd.main(["experiment=compare_reforms", "seed=2", out]), "did you mean 'seeds'?")
    _one_line_error(capsys, sweep_cmd.main(["experiment=compare_reform", out]), "did you mean 'compare_reforms'?")
    _one_line_error(capsys, sweep_cmd.main(["seeds=2", out]), "experiment: no name given")
    _one_line_error(capsys, sweep_cmd.main(["compare_reforms", "experiment=scale", out]), "given twice")
    assert not (tmp_path / "x").exists()


def test_the_app_command_serves_the_app_file_on_localhost():
    cmd = app_cmd.command(["--port", "8765"])
    assert cmd[1:4] == ["-m", "solara", "run"] and cmd[4].endswith("sim/app.py")
    assert cmd[5:] == ["--host", "127.0.0.1", "--port", "8765"]
    assert app_cmd.command(["--host", "0.0.0.0"])[5:] == ["--host", "0.0.0.0"]
