"""The `fviz` command: `fviz demo` (what `make demo` runs) writes the grids and a README describing
them; `fviz layers | render | walk MODEL ...` work on any model and fail in one line."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import imageio.v3 as iio
import pytest
import torch
from PIL import Image

from fviz_widgets import cli


def test_demo_writes_class_and_channel_grids(tmp_path, capsys):
    assert cli.main(["demo", "--out", str(tmp_path), "--steps", "3"]) == 0
    classes = Image.open(tmp_path / "shapes_cnn_classes.png")
    assert classes.size == (5 * 66 - 2, 2 * 66 - 2)  # 10 classes, 5 per row, 64 px + 2 px gaps
    assert Image.open(tmp_path / "shapes_cnn_conv3.png").size == (8 * 66 - 2, 2 * 66 - 2)
    readme = (tmp_path / "README.md").read_text()
    assert "vertical_stripes" in readme and "3 Adam steps" in readme
    # make test installs the imagenet extra, so the demo renders EfficientNet-Lite0's classes too
    assert Image.open(tmp_path / "efficientnet_lite0_classes.png").size == (3 * 130 - 2, 2 * 130 - 2)
    assert "Egyptian cat" in readme
    assert "make lab" in capsys.readouterr().out


def test_layers_command_prints_the_table(capsys):
    assert cli.main(["layers"]) == 0
    out = capsys.readouterr().out
    assert "conv1" in out and "output" in out


# --- any model: `fviz layers | render | walk MODEL ...`, run as a user runs them -----------------------
MODEL_FILE = """\
import torch
from torch import nn


def make():
    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.Softplus(), nn.Conv2d(8, 6, 3))


def not_a_model():
    return 42
"""


pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models (tests/conftest.py)


def fviz(cwd, *args):
    """`python -m fviz_widgets ARGS` in `cwd`, as a user runs it (one torch thread, as above). Starting
    Python and torch takes seconds on a busy machine, so only what needs a process of its own runs here."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "fviz_widgets", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def visible(folder):
    return sorted(p.name for p in folder.iterdir() if p.name != "mymodel.py")


def test_layers_lists_a_zoo_model_or_a_file_model(tmp_path, capsys):
    assert cli.main(["layers", "shapes_cnn"]) == 0
    out = capsys.readouterr().out
    assert "conv3" in out and "64×16×16" in out
    (tmp_path / "mymodel.py").write_text(MODEL_FILE)
    assert cli.main(["layers", f"{tmp_path / 'mymodel.py'}:make", "--size", "16x20"]) == 0
    assert "6×12×16" in capsys.readouterr().out  # the last conv's output for a 16×20 input


def test_render_writes_one_channel_as_a_png(tmp_path):
    run = fviz(tmp_path, "render", "shapes_cnn", "conv3:5", "-o", "x.png", "--steps", 8, "--size", 32)
    assert run.returncode == 0, run.stderr
    assert "made: x.png" in run.stdout and "render" in run.stderr  # the progress bar goes to stderr
    image = Image.open(tmp_path / "x.png")
    assert image.format == "PNG" and image.size == (32, 32)
    assert visible(tmp_path) == ["x.png"], "no temporary files are left behind"


def test_render_options_scale_a_neuron_rendered_in_pixels(tmp_path):
    argv = ["render", "shapes_cnn", "conv3:5", "-o", str(tmp_path / "x.png"), "--steps", "4", "--size", "32",
            "--scale", "2", "--objective", "neuron", "--param", "pixel", "--transforms", "none", "--lr", "0.1"]
    assert cli.main(argv) == 0
    assert Image.open(tmp_path / "x.png").size == (64, 64)


@pytest.mark.parametrize("param, mode", [("maco", "RGB"), ("cppn+alpha", "RGBA")])
def test_render_with_the_deep_network_parameterizations(tmp_path, param, mode):
    argv = ["render", "shapes_cnn", "conv3", "-o", str(tmp_path / "x.png"), "--steps", "3", "--size", "24",
            "--batch-size", "4", "--param", param]
    assert cli.main(argv) == 0
    image = Image.open(tmp_path / "x.png")
    assert image.mode == mode and image.size == (8 * 26 - 2, 8 * 26 - 2)  # 64 channels: 8×8 tiles


def test_render_through_crops_sees_the_model_input_size_several_times_a_step(tmp_path, monkeypatch):
    from fviz_widgets.core.capture import Capture

    seen = []
    forward = Capture.__call__
    monkeypatch.setattr(Capture, "__call__", lambda self, x, **kw: seen.append(tuple(x.shape)) or forward(self, x, **kw))
    argv = ["render", "shapes_cnn", "conv3:5", "-o", str(tmp_path / "x.png"), "--steps", "2", "--size", "160",
            "--param", "maco", "--transforms", "crops", "--views", "3"]
    assert cli.main(argv) == 0
    assert Image.open(tmp_path / "x.png").size == (160, 160)  # the canvas
    assert seen.count((3, 3, 64, 64)) == 2  # each of the 2 steps: 3 crops, each enlarged to the model input
    assert cli.main(argv[:-1] + ["0"]) == 2


def test_render_a_whole_layer_makes_one_grid(tmp_path, capsys):
    argv = ["render", "shapes_cnn", "conv1", "-o", str(tmp_path / "conv1.png"), "--steps", "4", "--size", "32",
            "--batch-size", "8"]
    assert cli.main(argv) == 0
    assert Image.open(tmp_path / "conv1.png").size == (4 * 34 - 2, 4 * 34 - 2)  # 16 channels: 4×4 tiles, 2 px gaps
    assert "render:" in capsys.readouterr().err  # a progress bar


def test_render_a_model_from_a_file_the_user_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mymodel.py").write_text(MODEL_FILE)
    assert cli.main(["render", "mymodel.py:make", "2:3", "-o", "out/f.png", "--steps", "4", "--size", "24"]) == 0
    assert Image.open(tmp_path / "out" / "f.png").size == (24, 24)


def test_walk_writes_a_gif_of_the_frames(tmp_path, capsys):
    argv = ["walk", "shapes_cnn", "conv3:5", "-o", str(tmp_path / "w.gif"), "--steps", "8", "--size", "24",
            "--frames", "4"]
    assert cli.main(argv) == 0
    assert iio.imread(tmp_path / "w.gif", index=None).shape == (4, 24, 24, 3)
    assert visible(tmp_path) == ["w.gif"]
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert all(line.startswith("fviz: warning: ") for line in warnings), warnings  # one line each, no source


def test_a_bad_model_name_is_one_line_with_suggestions(tmp_path):
    run = fviz(tmp_path, "render", "shapes_cn", "conv3:5", "-o", "x.png")
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("fviz: error: unknown model 'shapes_cn'"), run.stderr
    assert "did you mean shapes_cnn?" in run.stderr and "torchvision:NAME" in run.stderr
    assert visible(tmp_path) == []


MODEL_ERRORS = [
    (["render", "shapes_cnn", "conv9:5"], r"no layer named 'conv9' .*Did you mean: 'conv4', 'conv3'"),
    (["render", "shapes_cnn", "conv3:64"], r"channel 64 out of range: layer 'conv3' has 64 channels"),
    (["walk", "shapes_cnn", "conv3:-65"], r"channel -65 out of range"),
    (["render", "shapes_cnn", "conv3:x"], r"'conv3:x' is not LAYER or LAYER:CHANNEL"),
    (["render", "nowhere.py:make", "0"], r"no model file nowhere.py"),
    (["render", "{file}:mak", "0"], r"has no function 'mak'; did you mean make\? \(it defines make, not_a_model\)"),
    (["render", "{file}:not_a_model", "0"], r"not_a_model\(\) returned an object of type int, not a torch.nn.Module"),
    (["render", "{file}", "0"], r"name the function of .*mymodel.py to use: .*mymodel.py:FUNCTION"),
    (["render", "{broken}:make", "0"], r"importing .*broken.py failed \(line 1\): SyntaxError"),
    (["render", "torchvision:resnet18", "layer1"], r"needs a working torchvision: pip install"),
    (["render", "shapes_cnn", "conv3"], None),  # (the happy path, as a control: the grid is written)
    (["render", "shapes_cnn", "conv3", "--objective", "neuron"], r"for --objective neuron, name one channel"),
    (["render", "shapes_cnn", "conv3:5", "--param", "normal-depth"], r"did you mean normal_depth\? \(use fft, pixel"),
    (["render", "shapes_cnn", "conv3:5", "--param", "normal_depth"],
     r"the param makes 4-channel images but the model expects 3"),
    (["walk", "shapes_cnn", "conv3"], r"a walk follows one unit: name its channel, conv3:CHANNEL"),
    (["walk", "shapes_cnn", "conv3:5", "--frames", "1"], r"--frames must be ≥ 2"),
    (["walk", "shapes_cnn", "conv3:5", "--c", "1"], r"--c must be in \[0, 1\)"),
    (["render", "shapes_cnn", "conv3:5", "--scale", "0"], r"--scale must be ≥ 1"),
    (["layers", "efficientnet_lite9"], r"did you mean efficientnet_lite\d or efficientnet_lite\d or efficientnet_lite\d\?"),
]


@pytest.mark.parametrize("argv, message", MODEL_ERRORS, ids=[" ".join(a) for a, _ in MODEL_ERRORS])
def test_model_command_user_errors_are_one_line_and_exit_2(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "torchvision", None)  # absent, whether or not it is installed here
    (tmp_path / "mymodel.py").write_text(MODEL_FILE)
    (tmp_path / "broken.py").write_text("def make(:\n")
    args = [a.format(file=tmp_path / "mymodel.py", broken=tmp_path / "broken.py") for a in argv]
    out = "w.gif" if argv[0] == "walk" else "x.png"
    args += ["-o", out, "--steps", "1", "--size", "16"] if argv[0] != "layers" else []
    status = cli.main(args)
    err = capsys.readouterr().err.strip()
    if message is None:
        assert status == 0 and (tmp_path / out).is_file()
        return
    assert status == 2
    assert len(err.splitlines()) == 1 and err.startswith("fviz: error: "), err
    assert re.search(message, err), err
    assert not (tmp_path / out).exists(), "nothing is computed or written"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_render_on_cuda_without_cuda_is_one_clear_line(tmp_path, capsys):
    assert cli.main(["render", "shapes_cnn", "conv3:5", "-o", str(tmp_path / "x.png"), "--device", "cuda"]) == 2
    assert "CUDA is not available here" in capsys.readouterr().err


def test_an_interrupted_render_writes_nothing_and_exits_130(tmp_path):
    args = ["render", "shapes_cnn", "conv3:5", "-o", "x.png", "--steps", "100000", "--size", "32"]
    run = subprocess.Popen([sys.executable, "-m", "fviz_widgets", *args], cwd=tmp_path, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=dict(os.environ, OMP_NUM_THREADS="1"),
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as from a terminal
    try:
        seen = b""
        while b"/it" not in seen and b"it/s" not in seen:  # the optimization is under way
            chunk = os.read(run.stderr.fileno(), 4096)
            assert chunk, "the render ended before it could be interrupted"
            seen += chunk
        run.send_signal(signal.SIGINT)
        _, err = run.communicate(timeout=120)
    finally:
        run.kill()
    assert run.returncode == 130
    assert err.decode().replace("\r", "\n").strip().splitlines()[-1].startswith("fviz: interrupted")
    assert visible(tmp_path) == []


def test_an_interrupted_atlas_resumes_without_rerendering_finished_channels(tmp_path):
    args = ["atlas", "shapes_cnn", "--layers", "conv1", "-o", "atlas", "--channels", "0-3", "--batch-size", "1",
            "--steps", "30", "--size", "32", "--dataset", "none"]
    manifest = tmp_path / "atlas" / "manifest.json"
    run = subprocess.Popen([sys.executable, "-m", "fviz_widgets", *args], cwd=tmp_path, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=dict(os.environ, OMP_NUM_THREADS="1"),
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 240
        while not (manifest.is_file() and json.loads(manifest.read_text())["done"].get("conv1")):
            assert run.poll() is None and time.monotonic() < deadline, "the atlas ended before it could be interrupted"
            time.sleep(0.1)
        run.send_signal(signal.SIGINT)
        run.communicate(timeout=120)
    finally:
        run.kill()
    assert run.returncode == 130
    done = json.loads(manifest.read_text())["done"]["conv1"]
    assert 1 <= len(done) < 4
    images = tmp_path / "atlas" / "images" / "conv1"
    before = {c: (images / f"{c}.png").stat().st_mtime_ns for c in done}
    assert cli.main([*args[:5], str(tmp_path / "atlas"), *args[6:]]) == 0
    assert json.loads(manifest.read_text())["done"]["conv1"] == [0, 1, 2, 3]
    assert {c: (images / f"{c}.png").stat().st_mtime_ns for c in done} == before, "finished channels were re-rendered"
    assert cli.main([*args[:5], str(tmp_path / "atlas"), *args[6:10], "--steps", "31", *args[12:]]) == 2  # other settings
