"""LiveRender, kernel side: it streams what the engine computes without changing the run."""

import io
import threading

import numpy as np
import pytest
from PIL import Image

import fviz_widgets as fv
from fviz_widgets.core.images import to_uint8
from fviz_widgets.widgets import base, live_render


@pytest.fixture(scope="module")
def model():
    return fv.zoo.shapes_cnn()


def decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def floats(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float32)


def frames_of(widget):
    frames = []
    widget.observe(lambda change: frames.append(change["new"]), "frame")
    return frames


def test_the_widget_does_not_change_the_optimization(model):
    plain = fv.render(model, "conv3:5", steps=12, seed=3, progress=False)
    live = fv.LiveRender(model, "conv3:5", steps=12, seed=3).run(display=False)
    np.testing.assert_array_equal(live.images, plain.images)
    np.testing.assert_array_equal(live.loss, plain.loss)


def test_live_frames_are_jpeg_and_the_final_frame_is_the_exact_png(model):
    widget = fv.LiveRender(model, fv.obj.channels("conv3", [1, 2, 3]), batch=3, steps=8, seed=0)
    frames = frames_of(widget)
    result = widget.run(display=False)
    sent = [f for f in frames if f]
    assert sent[0][:2] == b"\xff\xd8", "live frames are JPEG"
    assert sent[-1][:8] == b"\x89PNG\r\n\x1a\n", "the final frame is PNG"
    np.testing.assert_array_equal(decode(widget.frame), to_uint8(result.grid(columns=3)))
    assert widget.status == "completed" and widget.step == 8 and widget.frame_step == 8


def test_frames_are_throttled_by_time_not_by_step(model, monkeypatch):
    now = [0.0]
    monkeypatch.setattr(live_render, "Throttle", lambda interval: base.Throttle(interval, clock=lambda: now[0]))

    def thirty_ms_per_step(step):
        now[0] += 0.03

    widget = fv.LiveRender(model, "conv2:0", steps=30, transforms=None, callback=thirty_ms_per_step)
    frames = frames_of(widget)
    widget.run(display=False)
    jpegs = [f for f in frames if f[:2] == b"\xff\xd8"]
    # one live frame per ≥100 ms of (fake) time: steps 1, 5, 9, ..., 29, then the final PNG
    assert len(jpegs) == 8, len(jpegs)
    assert frames[-1][:4] == b"\x89PNG"


def test_throttle_says_yes_once_per_interval_and_always_when_forced():
    now = [0.0]
    gate = base.Throttle(0.1, clock=lambda: now[0])
    answers = []
    for _ in range(10):
        answers.append(gate())
        now[0] += 0.04
    assert answers == [True, False, False, True, False, False, True, False, False, True]
    assert gate(force=True)


def test_history_and_snapshots_match_the_result(model):
    widget = fv.LiveRender(model, 2 * fv.obj.channel("conv3", 5) - fv.obj.l2(), steps=10, thresholds=[4, 10])
    result = widget.run(display=False)
    history = widget.history
    assert floats(history["step"]).tolist() == list(range(1, 11))
    np.testing.assert_allclose(floats(history["loss"]), result.loss, rtol=1e-6)
    assert set(history["terms"]) == set(result.terms)
    for name, values in result.terms.items():
        np.testing.assert_allclose(floats(history["terms"][name]), values.mean(1), rtol=1e-5)
    assert [s["step"] for s in widget.thresholds] == [4, 10]
    for snap in widget.thresholds:
        np.testing.assert_array_equal(decode(snap["png"]), to_uint8(fv.core.images.grid(result.thresholds[snap["step"]])))


def test_long_histories_are_decimated_for_the_front_end(model, monkeypatch):
    monkeypatch.setattr(live_render, "MAX_POINTS", 7)
    widget = fv.LiveRender(model, "conv2:0", steps=30, transforms=None)
    widget.run(display=False)
    steps = floats(widget.history["step"]).tolist()
    assert len(steps) <= 7 + 1 and steps[0] == 1 and steps[-1] == 30 and steps == sorted(steps)


def test_the_stop_button_ends_the_run_after_the_current_step(model):
    widget = fv.LiveRender(model, "conv3:5", steps=50, callback=lambda step: press_stop(widget, step))
    statuses = []
    widget.observe(lambda change: statuses.append(change["new"]), "status")

    def press_stop(w, step):
        if step.step == 7:
            w.stop_requested = True  # what the front end's Stop button does

    handle = widget.run(background=True, display=False)
    result = handle.wait(timeout=60)
    assert result.status == "stopped" and len(result.loss) == 7
    assert "stopping" in statuses and widget.status == "stopped"
    assert widget.frame[:4] == b"\x89PNG"


def test_background_handle_stop_wait_result(model):
    started = threading.Event()
    widget = fv.LiveRender(model, "conv3:5", steps=100000, callback=lambda step: started.set())
    handle = widget.run(background=True, display=False)
    assert handle.result is None
    assert started.wait(30)
    assert handle.running and handle.status == "running"
    with pytest.raises(RuntimeError, match="already running"):
        widget.run(display=False)
    result = handle.stop(timeout=60)
    assert not handle.running
    assert result.status == "stopped" and handle.result is result and widget.result is result
    assert 0 < len(result.loss) < 100000
    assert repr(handle) == f"RenderHandle(stopped, step {len(result.loss)}/100000)"
    assert all(len(m._forward_hooks) == 0 for m in model.modules())


def test_kernel_interrupt_in_blocking_mode_keeps_the_best_images(model):
    def interrupt(step):
        if step.step == 3:
            raise KeyboardInterrupt

    widget = fv.LiveRender(model, "conv3:5", steps=50, callback=interrupt)
    with pytest.warns(UserWarning, match="interrupted"):
        result = widget.run(display=False)
    assert result.status == "interrupted" and widget.status == "interrupted"
    assert widget.frame[:4] == b"\x89PNG" and np.isfinite(result.images).all()


def test_a_nan_loss_shows_the_error_and_keeps_the_best_images(model):
    @fv.obj.objective(["conv2"])
    def explodes(acts):
        value = acts["conv2"].mean((1, 2, 3))
        return value if explodes.calls < 3 else value * float("nan")

    def count(step):
        explodes.calls += 1

    explodes.calls = 0
    widget = fv.LiveRender(model, explodes, steps=20, callback=count)
    handle = widget.run(background=True, display=False)
    with pytest.raises(fv.NonFiniteLossError):
        handle.wait(timeout=60)
    assert widget.status == "failed" and "explodes" in widget.error
    assert handle.result is not None and np.isfinite(handle.result.images).all()


def test_a_bad_layer_fails_with_the_suggestion_shown(model):
    widget = fv.LiveRender(model, "conv33:1", steps=5)
    with pytest.raises(fv.LayerError, match="conv3"):
        widget.run(display=False)
    assert widget.status == "failed" and "conv3" in widget.error


def test_closing_the_widget_mid_run_loses_nothing(model):
    closed = threading.Event()

    def close_at_5(step):
        if step.step == 5:
            widget.close()
            closed.set()

    widget = fv.LiveRender(model, "conv3:5", steps=12, callback=close_at_5)
    result = widget.run(background=True, display=False).wait(timeout=60)
    assert closed.is_set()
    assert result.status == "completed" and len(result.loss) == 12


def test_state_for_a_reopened_view_is_in_the_traits(model):
    widget = fv.LiveRender(model, "conv3:5", steps=6)
    widget.run(display=False)
    state = widget.get_state()
    assert state["status"] == "completed" and state["step"] == 6
    assert state["frame"][:4] == b"\x89PNG" and len(floats(state["history"]["loss"])) == 6


def test_render_live_returns_the_same_result_as_render(model):
    plain = fv.render(model, "conv2:3", steps=5, seed=1, progress=False)
    live = fv.render(model, "conv2:3", steps=5, seed=1, live=True)
    np.testing.assert_array_equal(live.images, plain.images)


def test_repr_is_deterministic(model):
    widget = fv.LiveRender(model, fv.obj.channel("conv3", 5), steps=4)
    assert repr(widget) == "LiveRender(objective=\"channel('conv3', 5)\", status='idle', step='0/4')"
    widget.run(display=False)
    assert repr(widget) == "LiveRender(objective=\"channel('conv3', 5)\", status='completed', step='4/4')"


def test_stop_is_managed_by_the_widget(model):
    with pytest.raises(TypeError, match="stop"):
        fv.LiveRender(model, "conv3:5", stop=threading.Event())


def test_the_curves_cost_the_same_at_step_100_and_at_step_100000():
    curves = live_render.Curves(limit=1000)
    terms = {"a": np.ones(2), "b": np.zeros(2)}
    sizes = {}
    for i in range(1, 100_001):
        curves.add(i, float(i), terms)
        if i in (100, 1_000, 10_000, 100_000):
            payload = curves.payload()
            sizes[i] = len(payload["step"]) // 4
            assert floats(payload["step"])[-1] == i  # the newest step is always shown
            assert len(curves.kept["step"]) < 1000  # the buffer never grows past its limit
    assert sizes[100] == 100 and max(sizes.values()) <= 1001
    steps = floats(curves.payload()["step"])
    assert np.all(np.diff(steps) > 0) and steps[0] == 1
