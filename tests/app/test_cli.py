"""The ``minigrad`` command end to end: the installed console script, run as a user runs it."""

import html
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import minigrad
from minigrad.app import cli, data, demo
from minigrad.nn import MLP
from tests.shared_folder import as_root, planted_link

SRC = Path(__file__).resolve().parents[2] / "src"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _installed_command() -> str:
    """The console script of this environment (the venv's bin/minigrad), as pip installed it."""
    beside_python = Path(sys.executable).parent / "minigrad"
    found = str(beside_python) if beside_python.exists() else shutil.which("minigrad")
    if found is None:
        pytest.fail(
            "the minigrad command is not installed in this environment; "
            "install the project first: pip install -e '.[test]'"
        )
    return found


def run(*args, cwd=None, command=None):
    """Run the command with this checkout's code first on the path (whatever the install)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("COLUMNS", None)
    return subprocess.run(
        [*(command or [_installed_command()]), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,  # a safety net against a hung run, not a speed requirement
        check=False,
    )


def one_line_error(result, status=2):
    """The run failed with ``status`` and exactly one line on stderr, without a traceback."""
    assert result.returncode == status, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("minigrad")
    return lines[0]


def printed_accuracy(stdout, which="training"):
    match = re.search(rf"^{which} accuracy: (\d\.\d\d)", stdout, re.MULTILINE)
    assert match, stdout
    return float(match[1])


def accuracy_of_checkpoint(path, hidden, dataset="moons", points=100, seed=0):
    """Load a saved demo model into a fresh MLP and measure it on the data it was trained on."""
    inputs, labels, _, _ = demo.split(*data.DATASETS[dataset](n=points, seed=seed), dataset)
    model = MLP(2, [*hidden, 1], activation="relu", output_activation="linear")
    model.load_state_dict(minigrad.load(path))
    with minigrad.no_grad():
        right = sum((model(x).data > 0) == (y == 1) for x, y in zip(inputs, labels))
    return right / len(labels)


# ---------------------------------------------------------------------------------------------
# help and version
# ---------------------------------------------------------------------------------------------


def test_help_lists_both_commands():
    result = run("--help")
    assert result.returncode == 0
    assert "demo" in result.stdout and "graph" in result.stdout


def test_demo_help_lists_options_and_each_datasets_defaults():
    result = run("demo", "--help")
    assert result.returncode == 0
    for option in ["--epochs", "--lr", "--hidden", "--activation", "--optimizer", "--seed"]:
        assert option in result.stdout
    for name in data.DATASETS:
        assert re.search(rf"^\s+{name}\s+.*--epochs \d+ --lr", result.stdout, re.MULTILINE)


def test_graph_help_names_the_allowed_functions():
    result = run("graph", "--help")
    assert result.returncode == 0
    assert "exp log tanh relu sigmoid sqrt sin cos abs" in " ".join(result.stdout.split())


def test_version_is_the_package_version():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"minigrad {minigrad.__version__}"


def test_python_dash_m_minigrad_is_the_same_command():
    result = run("--version", command=[sys.executable, "-m", "minigrad"])
    assert result.stdout.strip() == f"minigrad {minigrad.__version__}"
    result = run("graph", "x*2", "x=1", "-o", "g.jpg", command=[sys.executable, "-m", "minigrad"])
    assert "minigrad graph: error" in one_line_error(result)


def test_no_command_shows_help_and_fails():
    result = run()
    assert result.returncode == 2
    assert "demo" in result.stdout and "graph" in result.stdout


# ---------------------------------------------------------------------------------------------
# minigrad demo
# ---------------------------------------------------------------------------------------------


def test_demo_moons_with_defaults_learns_and_writes_plots_and_checkpoint(tmp_path):
    """The promise of ``make demo``: ≥ 97% on moons with the defaults; pictures and a model."""
    result = run("demo", "moons", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    accuracy = printed_accuracy(result.stdout)
    assert accuracy >= 0.97
    out = tmp_path / "minigrad-out"  # the default folder, in the current directory
    for picture in ["decision-boundary.png", "training-curve.png"]:
        assert (out / picture).read_bytes().startswith(PNG_MAGIC)
    reloaded = accuracy_of_checkpoint(out / "model.json", hidden=[16, 16])
    assert f"{reloaded:.2f}" == f"{accuracy:.2f}"
    assert sorted(p.name for p in out.iterdir()) == [
        "decision-boundary.png",
        "model.json",
        "training-curve.png",
    ]


def test_demo_options_change_the_model_that_is_saved(tmp_path):
    result = run(
        "demo", "moons", "--points", 40, "--epochs", 3, "--hidden", "5", "--optimizer", "sgd",
        "--lr", 0.1, "--activation", "tanh", "--seed", 7, "--quiet", "--out", tmp_path / "o",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    saved = minigrad.load(tmp_path / "o" / "model.json")
    assert len(saved) == (2 + 1) * 5 + (5 + 1) * 1  # 2 inputs -> 5 -> 1 output
    assert 0.0 <= printed_accuracy(result.stdout) <= 1.0


def test_demo_seed_changes_the_data_and_the_weights(tmp_path):
    first = run("demo", "xor", "--points", 20, "--epochs", 1, "--quiet", "--out", tmp_path / "a")
    second = run("demo", "xor", "--points", 20, "--epochs", 1, "--quiet", "--seed", 1,
                 "--out", tmp_path / "b")  # fmt: skip
    again = run("demo", "xor", "--points", 20, "--epochs", 1, "--quiet", "--out", tmp_path / "c")
    assert first.returncode == second.returncode == again.returncode == 0
    a, b, c = (minigrad.load(tmp_path / name / "model.json") for name in "abc")
    assert a == c
    assert a != b


@pytest.mark.parametrize("dataset", ["circles", "xor", "spiral"])
def test_demo_trains_on_every_two_dimensional_dataset(tmp_path, dataset):
    result = run("demo", dataset, "--points", 30, "--epochs", 3, "--quiet", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert 0.0 <= printed_accuracy(result.stdout) <= 1.0
    assert (tmp_path / "decision-boundary.png").read_bytes().startswith(PNG_MAGIC)
    assert (tmp_path / "training-curve.png").read_bytes().startswith(PNG_MAGIC)


def test_demo_on_the_readme_seed_plots_predictions_and_says_why(tmp_path):
    result = run("demo", "seed", "--quiet", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "seed has 3 input features" in result.stdout
    assert printed_accuracy(result.stdout) == 1.0  # four samples, fitted as in the README
    assert (tmp_path / "predictions.png").read_bytes().startswith(PNG_MAGIC)
    assert not (tmp_path / "decision-boundary.png").exists()
    assert len(minigrad.load(tmp_path / "model.json")) == 4 * 4 + 5 * 4 + 5 * 1


def test_demo_progress_is_plain_lines_when_output_is_not_a_terminal(tmp_path):
    result = run("demo", "moons", "--points", 20, "--epochs", 20, "--out", tmp_path)
    assert result.returncode == 0
    assert "\r" not in result.stderr
    *lines, drawing = result.stderr.strip().splitlines()
    assert lines[0].startswith("epoch 1/20  loss ")
    assert lines[-1].startswith("epoch 20/20  loss ") and "accuracy" in lines[-1]
    assert len(lines) <= 12
    assert drawing == "drawing decision-boundary.png, training-curve.png ..."
    assert re.search(r"^trained in \d+\.\d s, drew the pictures in \d+\.\d s$", result.stdout, re.M)


def test_demo_quiet_prints_no_progress(tmp_path):
    result = run("demo", "moons", "--points", 20, "--epochs", 5, "--quiet", "--out", tmp_path)
    assert result.returncode == 0
    assert result.stderr == ""
    assert printed_accuracy(result.stdout) >= 0.0


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_demo_shows_a_progress_bar_on_a_terminal(tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    # 24 rows of 100 columns: a new pseudo-terminal is 0 wide, and tqdm would draw nothing
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    args = ["demo", "moons", "--points", "20", "--epochs", "4", "--out", str(tmp_path)]
    process = subprocess.Popen(
        [_installed_command(), *args], stdout=subprocess.PIPE, stderr=follower, env=env
    )
    os.close(follower)
    terminal = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        terminal += chunk
    stdout, _ = process.communicate(timeout=600)
    os.close(leader)
    assert process.returncode == 0
    shown = terminal.decode("utf-8", errors="replace")
    assert "\r" in shown  # the bar redraws in place
    assert "4/4" in shown and "loss=" in shown and "accuracy=" in shown
    assert "accuracy: " in stdout.decode()


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["nope"], "invalid choice: 'nope'"),
        (["moons", "--epochs", "ten"], "'ten' is not a whole number"),
        (["moons", "--epochs", "0"], "'0' must be at least 1"),
        (["moons", "--lr", "-0.1"], "must be a finite number above 0"),
        (["moons", "--lr", "nan"], "must be a finite number above 0"),
        (["moons", "--lr", "fast"], "'fast' is not a number"),
        (["moons", "--hidden", "16,x"], "not a list of layer sizes"),
        (["moons", "--hidden", "16,0"], "not a list of layer sizes"),
        (["moons", "--hidden", ""], "not a list of layer sizes"),
        (["moons", "--activation", "gelu"], "invalid choice: 'gelu'"),
        (["moons", "--optimizer", "rmsprop"], "invalid choice: 'rmsprop'"),
        (["moons", "--seed", "x"], "'x' is not a whole number"),
        (["moons", "--points", "1"], "--points must be at least 2"),
        (["xor", "--points", "3"], "--points must be at least 4"),
        (["seed", "--points", "10"], "--points does not apply to 'seed'"),
        (["moons", "--bogus"], "unrecognized arguments: --bogus"),
        (["foo"], "'moons', 'circles', 'spiral', 'xor', 'seed', 'digits', 'mnist', 'names'"),
    ],
)
def test_demo_bad_argument_is_one_line_and_nothing_is_written(tmp_path, args, fragment):
    out = tmp_path / "out"
    line = one_line_error(run("demo", *args, "--out", out))
    assert fragment in line
    assert not out.exists()


def test_demo_refuses_an_output_folder_that_is_a_file(tmp_path):
    target = tmp_path / "taken"
    target.write_text("keep me")
    line = one_line_error(run("demo", "moons", "--out", target))
    assert "is a file, not a folder" in line
    assert target.read_text() == "keep me"


def test_demo_refuses_an_output_folder_it_cannot_create_before_training(tmp_path):
    (tmp_path / "file").write_text("")
    line = one_line_error(run("demo", "moons", "--out", tmp_path / "file" / "out"))
    assert "cannot write into the output folder" in line
    assert "epoch" not in line


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_demo_refuses_a_read_only_output_folder(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        line = one_line_error(run("demo", "moons", "--out", folder))
    finally:
        folder.chmod(0o700)
    assert "cannot write into the output folder" in line
    assert list(folder.iterdir()) == []


def test_demo_that_diverges_fails_and_leaves_nothing_behind(tmp_path):
    out = tmp_path / "out"
    result = run("demo", "moons", "--optimizer", "sgd", "--lr", "1e300", "--epochs", 5,
                 "--points", 20, "--quiet", "--out", out)  # fmt: skip
    line = one_line_error(result, status=1)
    assert "training diverged" in line and "smaller --lr" in line
    assert not out.exists()


# ---------------------------------------------------------------------------------------------
# minigrad graph
# ---------------------------------------------------------------------------------------------

NEURON = ["tanh(x*w + b)", "x=2", "w=-3", "b=6.88"]


def test_graph_svg_draws_every_named_value_and_prints_the_gradients(tmp_path):
    result = run("graph", *NEURON, "-o", tmp_path / "neuron.svg")
    assert result.returncode == 0, result.stderr
    svg = html.unescape((tmp_path / "neuron.svg").read_text())  # Graphviz writes - as &#45;
    assert "<svg" in svg and "</svg>" in svg
    for label in ["x", "w", "b", "tanh", "data 2.0000", "data -3.0000", "data 6.8800"]:
        assert label in svg
    out = math.tanh(2 * -3 + 6.88)
    local = 1 - out * out
    assert f"= {out:.6g}" in result.stdout
    assert f"∂/∂x = {local * -3:.6g}" in result.stdout
    assert f"∂/∂w = {local * 2:.6g}" in result.stdout
    assert f"∂/∂b = {local:.6g}" in result.stdout
    assert f"wrote {tmp_path / 'neuron.svg'}" in result.stdout


@pytest.mark.parametrize(
    "name, check",
    [
        ("g.png", lambda content: content.startswith(PNG_MAGIC)),
        ("g.pdf", lambda content: content.startswith(b"%PDF")),
        ("g.dot", lambda content: content.lstrip().startswith(b"digraph")),
        ("g.html", lambda content: b"<html" in content.lower() and b"<svg" in content),
        ("G.SVG", lambda content: b"<svg" in content),
    ],
)
def test_graph_format_follows_the_file_extension(tmp_path, name, check):
    result = run("graph", "x*x + exp(y)", "x=2", "y=0.5", "-o", tmp_path / name)
    assert result.returncode == 0, result.stderr
    assert check((tmp_path / name).read_bytes())
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


def test_graph_top_to_bottom_layout(tmp_path):
    result = run("graph", "x*2", "x=1", "--rankdir", "TB", "-o", tmp_path / "g.dot")
    assert result.returncode == 0
    assert "rankdir=TB" in (tmp_path / "g.dot").read_text()


def test_graph_explain_prints_one_step_per_edge_of_the_backward_pass(tmp_path):
    result = run("graph", "a*a + a", "a=3", "--explain", "-o", tmp_path / "g.dot")
    assert result.returncode == 0, result.stderr
    steps = [line for line in result.stdout.splitlines() if ".grad +=" in line]
    assert len(steps) == 4  # a*a has two edges to a, + has two inputs
    assert sum(line.startswith("a.grad +=") for line in steps) == 3
    assert "∂/∂a = 7" in result.stdout  # 2a + 1, accumulated over the three uses


def test_graph_explain_prints_the_steps_without_a_drawing(tmp_path):
    result = run("graph", "x**2 + relu(x)", "x=-1", "--explain", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "x.grad +=" in result.stdout and "wrote" not in result.stdout
    assert "nan" not in result.stdout  # the 2 of x**2 is part of the operation, not a leaf
    assert "∂/∂x = -2" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_graph_without_a_file_or_explain_says_what_to_give(tmp_path):
    line = one_line_error(run("graph", "x*2", "x=1", cwd=tmp_path))
    assert "-o FILE" in line and "--explain" in line


def run_without(package, *args, cwd):
    """The command run as if ``package`` were not installed."""
    program = (
        f"import sys; sys.modules[{package!r}] = None; from minigrad.app.cli import main; "
        f"sys.exit(main(sys.argv[1:]))"
    )
    return run(*args, cwd=cwd, command=[sys.executable, "-c", program])


@pytest.mark.parametrize("name", ["graph.dot", "graph.svg", "graph.html"])
def test_graph_without_the_graphviz_package_names_the_viz_extra_in_one_line(tmp_path, name):
    result = run_without("graphviz", "graph", "x*2", "x=1", "-o", tmp_path / name, cwd=tmp_path)
    line = one_line_error(result, status=1)
    assert "'viz' extra" in line and "pip install graphviz" in line and "[demo]" not in line
    assert not (tmp_path / name).exists()


def test_demo_without_matplotlib_names_the_demo_extra_in_one_line(tmp_path):
    result = run_without("matplotlib", "demo", "moons", "--out", tmp_path / "out", cwd=tmp_path)
    line = one_line_error(result, status=1)
    assert "'demo' extra" in line and "pip install matplotlib" in line


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('touch HACKED')",
        "__import__('os')",
        "().__class__.__bases__[0].__subclasses__()",
        "x.__class__",
        "lambda: open('HACKED', 'w')",
        "open('HACKED', 'w')",
        'exec(\'open("HACKED", "w")\')',
        "eval('1')",
        "[open('HACKED', 'w') for _ in 'a']",
        "x if x else x",
        "'HACKED'",
        "x +",
        "tanh(x",
        "y * x",
        "tanh(x, x)",
        "exp(x=1)",
    ],
)
def test_graph_refuses_anything_but_a_formula_with_status_2(tmp_path, expression):
    result = run("graph", expression, "x=1", "-o", tmp_path / "g.svg", cwd=tmp_path)
    line = one_line_error(result)
    assert line.startswith("minigrad graph: error: ")
    assert list(tmp_path.iterdir()) == []  # nothing ran, nothing written


def test_graph_error_points_at_the_column(tmp_path):
    line = one_line_error(run("graph", "x + sinh(x)", "x=1", "-o", tmp_path / "g.svg"))
    assert "at column 5: unknown function 'sinh'" in line


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["x", "x=1", "-o", "{tmp}/g.jpg"], "cannot tell the format"),
        (["x", "x=1", "-o", "{tmp}/missing/g.svg"], "does not exist"),
        (["x", "x=one", "-o", "{tmp}/g.svg"], "'one' is not a number"),
        (["x", "x", "-o", "{tmp}/g.svg"], "NAME=VALUE"),
        (["x", "x=1", "y=2", "-o", "{tmp}/g.svg"], "y is given a value (y=2) but"),
        (["x", "x=1", "x=2", "-o", "{tmp}/g.svg"], "given a value twice"),
        (["x", "x=1", "-o", "{tmp}/g.svg", "--rankdir", "up"], "invalid choice: 'up'"),
    ],
)
def test_graph_bad_argument_is_one_line_with_status_2(tmp_path, args, fragment):
    line = one_line_error(run("graph", *(a.format(tmp=tmp_path) for a in args)))
    assert fragment in line
    assert list(tmp_path.iterdir()) == []


def test_graph_refuses_an_output_that_is_a_folder(tmp_path):
    (tmp_path / "g.svg").mkdir()
    assert "is a folder" in one_line_error(run("graph", "x", "x=1", "-o", tmp_path / "g.svg"))
    assert list((tmp_path / "g.svg").iterdir()) == []


# ---------------------------------------------------------------------------------------------
# Files are written whole or not at all
# ---------------------------------------------------------------------------------------------


def test_failed_write_leaves_neither_file_nor_temporary(tmp_path):
    target = tmp_path / "picture.png"

    def fail_halfway(file):
        file.write(b"half of a picture")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        cli._write(target, fail_halfway)
    assert list(tmp_path.iterdir()) == []


def test_write_replaces_an_old_file_whole(tmp_path):
    target = tmp_path / "picture.png"
    target.write_bytes(b"old")
    cli._write(target, lambda file: file.write(b"new"))
    assert target.read_bytes() == b"new"
    assert list(tmp_path.iterdir()) == [target]


def test_a_failing_disk_is_one_line_and_status_1(tmp_path, monkeypatch, capsys):
    def disk_full(path, write):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(cli, "_write", disk_full)
    status = cli.main(["graph", "x*2", "x=1", "-o", str(tmp_path / "g.dot")])
    assert status == 1
    error = capsys.readouterr().err
    assert error.strip() == f"minigrad graph: error: {tmp_path / 'g.dot'}: No space left on device"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["graph.svg", "graph.html"])
def test_graph_without_dot_says_how_to_install_it_in_one_line(tmp_path, name):
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = {
        **os.environ,
        "PATH": str(empty_bin),  # no dot anywhere
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, "-m", "minigrad", "graph", "x*2", "x=1", "-o", str(tmp_path / name)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    one_line_error(result, status=1)
    assert "apt-get install graphviz" in result.stderr
    assert not (tmp_path / name).exists()


# ---------------------------------------------------------------------------------------------
# Hostile or careless input: output paths, sizes, messages, pipes
# ---------------------------------------------------------------------------------------------


def test_demo_checks_its_output_files_before_training(tmp_path):
    (tmp_path / "model.json").mkdir()
    result = run("demo", "moons", "--points", 20, "--epochs", 5, "--out", tmp_path)
    line = one_line_error(result)  # exit status 2, one line: no progress lines were printed
    assert f"cannot write {tmp_path / 'model.json'}: a folder, not a regular file" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]  # no pictures either


def test_graph_refuses_a_fifo_as_its_output(tmp_path):
    os.mkfifo(tmp_path / "g.dot")
    line = one_line_error(run("graph", "x*2", "x=1", "-o", tmp_path / "g.dot"))
    assert "a FIFO (named pipe), not a regular file" in line
    assert os.listdir(tmp_path) == ["g.dot"]


def _demo_in_process(monkeypatch, capsys, out, fail_on_fsync=None, fail_on_replace=None):
    """Run ``minigrad demo`` in this process with the nth fsync or os.replace failing."""
    calls = {"fsync": 0, "replace": 0}
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        calls["fsync"] += 1
        if calls["fsync"] == fail_on_fsync:
            raise OSError(28, "No space left on device")
        return real_fsync(fd)

    def replace(source, target):
        calls["replace"] += 1
        if calls["replace"] == fail_on_replace:
            raise OSError(13, "Permission denied", target)
        return real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    args = ["demo", "moons", "--points", "20", "--epochs", "2", "--quiet", "--out", str(out)]
    status = cli.main(args)
    monkeypatch.undo()
    return status, capsys.readouterr()


def test_a_demo_whose_disk_fills_writes_none_of_its_files_and_names_the_file(
    tmp_path, monkeypatch, capsys
):
    out = tmp_path / "out"
    out.mkdir()
    (out / "model.json").write_text("the old model")
    status, printed = _demo_in_process(monkeypatch, capsys, out, fail_on_fsync=3)
    assert status == 1
    assert printed.err.strip() == (
        f"minigrad demo: error: {out / 'model.json'}: No space left on device; nothing was written"
    )
    assert sorted(p.name for p in out.iterdir()) == ["model.json"]
    assert (out / "model.json").read_text() == "the old model"


def test_a_demo_stopped_halfway_through_its_files_leaves_a_note(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    out.mkdir()
    status, printed = _demo_in_process(monkeypatch, capsys, out, fail_on_replace=2)
    assert status == 1
    assert "only " in printed.err and "INCOMPLETE-RUN.txt says which files" in printed.err
    note = (out / "INCOMPLETE-RUN.txt").read_text()
    assert "From that run: decision-boundary.png." in note
    assert "Older (or missing): training-curve.png, model.json." in note
    assert sorted(p.name for p in out.iterdir()) == ["INCOMPLETE-RUN.txt", "decision-boundary.png"]
    assert cli.main(["demo", "moons", "--points", "20", "--epochs", "2", "--quiet",
                     "--out", str(out)]) == 0  # fmt: skip
    assert not (out / "INCOMPLETE-RUN.txt").exists()  # the next full run takes the note away


def test_a_demo_stopped_halfway_in_a_folder_of_its_own_leaves_nothing(
    tmp_path, monkeypatch, capsys
):
    out = tmp_path / "new"
    status, printed = _demo_in_process(monkeypatch, capsys, out, fail_on_replace=2)
    assert status == 1 and "nothing was kept" in printed.err
    assert not out.exists()


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--hidden", "99999999999999999999"], "a layer of '99999999999999999999' neurons is"),
        (["--hidden", "16," + "9" * 4000], "(4,000 characters) neurons is more than the limit"),
        (["--hidden", "1001"], "a layer of '1001' neurons is more than the limit, 1,000"),
        (["--hidden", ",".join(["2"] * 11)], "has 11 layers; the limit is 10"),
        (["--points", "100000000"], "'100000000' is more than the limit, 10,000"),
        (["--epochs", "100001"], "is more than the limit, 100,000"),
    ],
)
def test_demo_sizes_are_bounded(tmp_path, args, fragment):
    line = one_line_error(run("demo", "moons", *args, "--out", tmp_path / "out"))
    assert fragment in line
    assert not (tmp_path / "out").exists()


def test_demo_help_gives_the_size_limits():
    text = " ".join(run("demo", "--help").stdout.split())
    assert "at most 10,000)" in text and "at most 100,000)" in text
    assert "at most 10 layers of 1,000" in text


@pytest.mark.parametrize(
    "args",
    [
        ["demo", "moons", "--epochs", "9" * 4000],
        ["demo", "moons", "--seed", "9" * 4000],
        ["demo", "moons", "--lr", "x" * 4000],
        ["demo", "y" * 4000],
        ["graph", "x*1" + "1" * 4000, "x=1", "-o", "g.dot"],
        ["graph", "x", "x=" + "9" * 4000, "-o", "g.dot"],
        ["graph", "x", "x=" + "z" * 4000, "-o", "g.dot"],
    ],
)
def test_echoed_input_is_cut_to_a_readable_length(tmp_path, args):
    line = one_line_error(run(*args, cwd=tmp_path))
    assert len(line) < 300, line
    assert "4,0" in line  # says how long the input was


def test_a_literal_of_5000_digits_gets_minigrads_own_message(tmp_path):
    line = one_line_error(run("graph", "x*1" + "1" * 5000, "x=1", "-o", tmp_path / "g.dot"))
    assert "at column 3: the number '111" in line and "(5,001 characters) is too large" in line
    assert "set_int_max_str_digits" not in line and "hexadecimal" not in line


def test_a_full_width_name_is_the_name_of_the_expression(tmp_path):
    result = run("graph", "x*x", "ｘ=3", "-o", tmp_path / "g.dot")
    assert result.returncode == 0, result.stderr
    assert "∂/∂x = 6" in result.stdout


def test_explain_into_a_closed_pipe_exits_quietly(tmp_path):
    (tmp_path / "expression").write_text(_balanced("*", 11))  # more steps than a pipe holds
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    pipeline = (
        f'"{_installed_command()}" graph "$(cat expression)" x=1 --explain --force -o g.dot'
        " | head -1"
    )
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", pipeline],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert result.stderr == ""
    assert result.stdout.count("\n") == 1
    assert result.returncode == 141  # as a Unix tool stopped by SIGPIPE


def _balanced(operator, depth):
    """x combined with itself in a balanced tree: 2**depth - 1 operations, shallow to parse."""
    if depth == 0:
        return "x"
    half = _balanced(operator, depth - 1)
    return f"({half}{operator}{half})"


# ---------------------------------------------------------------------------------------------
# The demo's pictures and numbers
# ---------------------------------------------------------------------------------------------


def test_demo_prints_test_accuracy_on_held_out_points(tmp_path):
    result = run("demo", "moons", "--points", 50, "--epochs", 30, "--quiet", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^test accuracy: \d\.\d\d \(10 held-out points\)$", result.stdout, re.M)
    assert 0.0 <= printed_accuracy(result.stdout, "test") <= 1.0


def test_a_diverging_demo_stops_with_a_clear_message_and_status_1(tmp_path):
    result = run("demo", "moons", "--lr", 50, "--optimizer", "sgd", "--quiet",
                 "--out", tmp_path / "out")  # fmt: skip
    line = one_line_error(result, status=1)
    assert re.search(r"training diverged: the loss grew from \S+ to \S+ at epoch \d+", line)
    assert "try a smaller --lr" in line
    assert not (tmp_path / "out").exists()


def test_the_decision_boundary_has_a_legend_naming_every_class_in_its_own_colour():
    from matplotlib.colors import to_rgba

    settings = demo.Settings("spiral", points=30, epochs=2, hidden=(4,))
    result = demo.train(settings)
    axes = demo.draw_decision_boundary(result, resolution=10).axes[0]
    legend = axes.get_legend()
    names = [text.get_text() for text in legend.get_texts()]
    assert names == ["class 0", "class 1", "class 2", "training point", "test point (held out)"]
    colours = {to_rgba(handle.get_color()) for handle in legend.legend_handles[:3]}
    assert len(colours) == 3
    assert "test" in axes.get_title()


def test_the_training_curve_names_its_loss_and_plots_test_accuracy():
    result = demo.train(demo.Settings("moons", points=20, epochs=2, hidden=(4,)))
    loss_axes, accuracy_axes = demo.draw_training_curve(result.history, result.task.loss_name).axes
    assert loss_axes.get_title() == "training loss: binary cross-entropy"
    labels = [line.get_label() for line in accuracy_axes.get_lines()]
    assert labels == ["training", "test (held out)"]


@as_root
def test_graph_and_demo_refuse_a_link_planted_by_another_user(tmp_path):
    victim = tmp_path / "victim.svg"
    victim.write_text("mine")
    link = planted_link(tmp_path / "shared", "graph.svg", victim)
    line = one_line_error(run("graph", *NEURON, "-o", link))
    assert "symbolic link in a folder anyone can write to" in line and str(link) in line
    assert victim.read_text() == "mine"
    private = tmp_path / "private"
    private.mkdir()
    out = planted_link(tmp_path / "shared", "out", private)
    line = one_line_error(run("demo", "moons", "--epochs", 1, "--quiet", "--out", out / "new"))
    assert "symbolic link in a folder anyone can write to" in line
    assert list(private.iterdir()) == []


def test_a_very_long_output_path_is_shortened_in_the_message(tmp_path):
    path = tmp_path / ("d" * 6000) / "graph.svg"
    line = one_line_error(run("graph", *NEURON, "-o", path), status=1)
    assert "File name too long" in line and len(line) < 600 and "characters" in line


def test_demo_refuses_a_model_too_large_for_the_scalar_engine_saying_what_fits(tmp_path):
    out = tmp_path / "out"
    line = one_line_error(run("demo", "moons", "--hidden", ",".join(["1000"] * 10),
                              "--points", 10, "--out", out))  # fmt: skip
    assert "makes a model of 9,013,001 parameters, more than the demo trains (500,000" in line
    line = one_line_error(run("demo", "moons", "--hidden", "400,400", "--points", 10_000,
                              "--out", out))  # fmt: skip
    assert "8,000 training points × 162,001 parameters" in line
    assert "at most 308 training points fit" in line
    assert not out.exists()


def test_running_out_of_memory_is_one_line(tmp_path, monkeypatch, capsys):
    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(demo, "train", out_of_memory)
    status = cli.main(["demo", "moons", "--quiet", "--out", str(tmp_path / "a" / "b")])
    assert status == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line == "minigrad demo: error: out of memory; try a smaller model or fewer points"
    assert list(tmp_path.iterdir()) == []


def test_graph_builds_a_flat_sum_of_990_terms(tmp_path):
    result = run("graph", "+".join(["x"] * 990), "x=1", "-o", tmp_path / "g.dot")
    assert result.returncode == 0, result.stderr
    assert "∂/∂x = 990" in result.stdout
