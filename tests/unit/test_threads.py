"""Several runs on one model from several threads: each sees only its own forward passes and gives
exactly what it gives alone; the model's mode and flags come back when the last run ends; the
process exits with its own status while background runs are still going."""

import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest
import torch

import fviz_widgets as fv


def in_threads(*jobs):
    """Run the jobs at once, one thread each; returns their results (re-raising any error)."""
    out, errors = [None] * len(jobs), []
    start = threading.Barrier(len(jobs))

    def run(i, job):
        try:
            start.wait()
            out[i] = job()
        except BaseException as error:  # noqa: BLE001 - re-raised below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return out


RENDERS = {
    "conv3 channel": dict(objective="conv3:5", seed=1),
    "conv2, a batch of two": dict(objective="conv2:3", seed=2, batch=2),
    "a class, L-BFGS after Adam": dict(objective="output:0", seed=3, lbfgs_steps=5),
    "redirected ReLUs": dict(objective="act4:7", seed=4, redirect_steps=10),
}


def render(model, spec):
    spec = dict(spec)
    return fv.render(model, spec.pop("objective"), size=32, steps=25, progress=False, **spec).images


@pytest.mark.parametrize("trial", range(3))
def test_renders_in_threads_give_exactly_their_solo_images(trial):
    model = fv.zoo.shapes_cnn()
    solo = {name: render(model, spec) for name, spec in RENDERS.items()}
    together = in_threads(*[lambda spec=spec: render(model, spec) for spec in RENDERS.values()])
    for (name, alone), image in zip(solo.items(), together):
        np.testing.assert_array_equal(image, alone, err_msg=name)
    assert not any(m._forward_hooks for m in model.modules()), "no hooks are left behind"


def test_overlapping_runs_restore_a_training_model_when_the_last_one_ends():
    model = fv.zoo.shapes_cnn().train()
    model.conv1.weight.requires_grad_(True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "model was in training mode"
        inside = []

        def probe():
            render(model, RENDERS["conv3 channel"])
            inside.append(model.training)

        in_threads(probe, lambda: render(model, RENDERS["conv2, a batch of two"]),
                   lambda: fv.activations(model, "act3", torch.rand(4, 3, 32, 32)))
    assert model.training and all(m.training for m in model.modules())
    assert all(p.requires_grad for p in model.parameters())
    assert inside == [False] or inside == [True]  # eval during the run; restored once every run is done


def test_batch_norm_statistics_do_not_move_when_the_model_is_only_looked_at():
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU()).train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    images = torch.rand(8, 3, 16, 16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fv.layers(net, (3, 16, 16))
        fv.activations(net, "2", images)
        fv.activation_stats(net, "2", images)
        fv.ifv.feature_response(net, "2", images)
        fv.render_layer(net, "2", [0], size=16, steps=2, progress=False)
    for key, value in net.state_dict().items():
        torch.testing.assert_close(value, before[key], rtol=0, atol=0, msg=key)
    assert net.training


def test_a_direction_editor_rendering_beside_a_render_changes_nothing():
    model = fv.zoo.shapes_cnn()
    alone = render(model, RENDERS["conv3 channel"])
    editor = fv.DirectionEditor(model, "act3", size=32, steps=400)  # renders in its own thread
    try:
        beside = render(model, RENDERS["conv3 channel"])
    finally:
        editor.close()
    np.testing.assert_array_equal(beside, alone)


def test_a_background_live_render_beside_a_render_changes_nothing():
    model = fv.zoo.shapes_cnn()
    alone = render(model, RENDERS["conv2, a batch of two"])
    handle = fv.LiveRender(model, "conv3:9", size=32, steps=100_000).run(background=True, display=False)
    try:
        beside = render(model, RENDERS["conv2, a batch of two"])
    finally:
        stopped = handle.stop(timeout=60)
    np.testing.assert_array_equal(beside, alone)
    assert stopped.status == "stopped"


EXIT = """
import atexit, sys, threading
def report():  # registered first, so it runs after fviz's own exit handler
    alive = [t.name for t in threading.enumerate() if t.name.startswith("fviz")]
    print("alive:", alive, "status:", handle.status, "editor:", editor._closed, flush=True)
atexit.register(report)
import fviz_widgets as fv
model = fv.zoo.shapes_cnn()
handle = fv.LiveRender(model, "conv3:5", size=64, batch=2, steps=10**7).run(background=True, display=False)
editor = fv.DirectionEditor(model, "act3", steps=10**7)
while handle.widget.step < 3:
    pass
sys.exit(3)
"""


def test_background_runs_are_stopped_and_joined_at_exit_and_the_exit_status_is_kept():
    done = subprocess.run([sys.executable, "-c", EXIT], capture_output=True, text=True, timeout=300)
    assert done.returncode == 3, done.stderr[-2000:]
    assert "alive: [] status: stopped editor: True" in done.stdout, done.stdout + done.stderr[-2000:]
    assert "terminate called" not in done.stderr
