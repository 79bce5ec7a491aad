"""Representative states of the four widgets, with real-looking images, for the theme checks and
the screenshots: what each widget shows in the middle of a typical session."""

import numpy as np
from pngs import png

from fviz_widgets.core.images import grid, to_uint8
from fviz_widgets.datasets.shapes import CLASSES, make_shapes


def texture(size=64, seed=0, phase=0.0) -> np.ndarray:
    """A colourful interference pattern like a feature visualization: a few gratings per channel."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    image = np.zeros((size, size, 3))
    for _ in range(3):
        angle, freq, shift = rng.uniform(0, np.pi), rng.uniform(3, 9), rng.uniform(0, 2 * np.pi)
        wave = np.sin(2 * np.pi * freq * (x * np.cos(angle) + y * np.sin(angle)) + shift + phase)
        image += wave[..., None] * rng.normal(0, 0.6, 3)
    return to_uint8(1 / (1 + np.exp(-1.5 * image)))


def shapes(n, size=64, seed=0, classes=None) -> np.ndarray:
    """Images of the procedural shapes dataset, uint8 [N, H, W, 3]."""
    images, _ = make_shapes(n, size=size, seed=seed, classes=classes)
    return to_uint8(images.permute(0, 2, 3, 1).numpy())


def floats(values) -> bytes:
    return np.asarray(values, np.float32).tobytes()


def live_render() -> dict:
    steps = np.arange(1, 181)
    rng = np.random.default_rng(1)
    channel = 48 * (1 - np.exp(-steps / 25)) + rng.normal(0, 0.6, steps.size)
    tv = 0.6 * np.exp(-steps / 60) + 0.05
    l2 = 0.2 + 0.002 * steps
    blur = 0.3 * np.exp(-steps / 40)
    loss = -channel + tv + l2 + blur
    loss[:3] = [40.0, 12.0, 3.0]  # the first steps of a render jump around: the focused range leaves them out
    tiles = np.stack([texture(64, seed=s) for s in range(4)])
    frame = to_uint8(grid(tiles / 255.0, columns=4))
    snaps = [{"step": s, "png": png(to_uint8(grid(np.stack([texture(64, seed=k, phase=s / 40) for k in range(4)]) / 255.0,
                                                  columns=4)))} for s in (32, 64, 128)]
    return {
        "title": "channel('conv3', 5)", "status": "running", "mode": "background", "step": 180, "total": 256,
        "phase": "adam", "it_per_s": 41.2, "elapsed": 4.37, "frame": png(frame), "frame_step": 180,
        "tile": [64, 64], "columns": 4,
        "history": {"step": floats(steps), "loss": floats(loss),
                    "terms": {"channel('conv3', 5)": floats(channel), "total_variation": floats(tv), "l2": floats(l2),
                              "blur": floats(blur)}},
        "thresholds": snaps, "labels": ["conv3:5 #0", "conv3:5 #1", "conv3:5 #2", "conv3:5 #3"], "error": "",
        "note": "", "stop_requested": False,
    }


def live_render_alpha() -> dict:
    """A MACO + transparency render: RGBA tiles, opaque in the middle, clear towards the edges."""
    state = live_render()
    y, x = np.mgrid[0:64, 0:64] / 63 - 0.5
    tiles = []
    for seed in range(4):
        radius = 0.22 + 0.05 * seed
        alpha = np.clip((radius + 0.12 - np.hypot(x, y)) / 0.12, 0, 1)
        tiles.append(np.dstack([texture(64, seed=seed) / 255.0, alpha]))
    state.update(title="class_logit(130) - 1 * opacity()", frame=png(to_uint8(grid(np.stack(tiles), columns=4, alpha=True), alpha=True)),
                 labels=["output:130 flamingo", "output:9 ostrich", "output:1 goldfish", "output:967 espresso"],
                 thresholds=[])
    state["history"]["terms"] = {"class_logit(130)": state["history"]["terms"]["channel('conv3', 5)"],
                                 "opacity()": floats(0.9 * np.exp(-np.arange(1, 181) / 50) + 0.45)}
    return state


def walk(label, kappa, seed, frames=24, size=32) -> dict:
    t = np.linspace(-1.0, 1.2, frames)
    g = 2 * np.cos(1.2 * t) + (0.4 if kappa < -1 else 0.05) * t
    return {"label": label, "kind": label.split()[0], "kappa": kappa, "t": t.tolist(), "g": g.tolist(),
            "threshold": 1.4, "a": -0.9, "b": 1.05,
            "frames": [png(texture(size, seed=seed, phase=2.5 * ti)) for ti in t]}


def walk_scrubber() -> dict:
    return {"walks": [walk("most invariant #0", -0.012, 3), walk("least invariant #0", -3.1, 4)],
            "selected": 0, "index": 7, "fps": 12.0, "loop": True}


def direction_editor() -> dict:
    c = 64
    rng = np.random.default_rng(2)
    direction = np.where(rng.uniform(size=c) < 0.15, rng.normal(0, 0.5, c), 0.0)
    direction[[5, 17, 40]] = [0.8, -0.45, 0.6]
    anchors = np.eye(c)[[5, 40]]
    thumbs = [texture(16, seed=100 + k) for k in range(c)]
    return {
        "layer": "conv3", "direction": direction.round(3).tolist(), "family": "direction_cossim", "cossim_pow": 2.0,
        "cossim_floor": 0.1, "orth_weight": 1.0, "whitened": False, "whitening_available": True,
        "anchors": anchors.tolist(), "anchor_labels": ["checkerboard", "vertical stripes"], "mix": [0.6, 0.4],
        "thumbnails": [png(t) for t in thumbs], "frame": png(texture(64, seed=7)), "render_status": "running",
        "render_step": 96, "render_total": 128, "objective_repr": "direction_cossim('conv3', v, pow=2.0, floor=0.1)",
    }


def unit(v) -> list:
    v = np.asarray(v, float)
    return (v / np.linalg.norm(v)).tolist()


def ifv_explorer() -> dict:
    m = len(CLASSES)
    images = shapes(3, seed=5, classes=["checkerboard", "vertical_stripes", "rings"])

    def sample(i):
        rng = np.random.default_rng(10 + i)
        target = np.zeros(m)
        target[[5, 0, 7][i]] = 1.0
        target += rng.uniform(0, 0.1, m)
        response = target + rng.normal(0, 0.25, m)
        return {
            "label": f"#{i} · {['checkerboard', 'vertical_stripes', 'rings'][i]}", "image": png(images[i]),
            "target": unit(target), "response": unit(response), "response_norm": 12.5 + i,
            "theta": [unit(target + rng.normal(0, 0.08, m)), unit(np.where(np.arange(m) < m - 1, target, 0.0))],
            "angles": [{"predicted": 4.2 + i, "response": 21.0 + i, "predicted_vs_response": 19.5 + i, "predicted_vs_target": 4.2 + i},
                       {"predicted": 7.5 + i, "response": 21.0 + i, "predicted_vs_response": 22.0 + i, "predicted_vs_target": 9.1 + i}],
            "singular_values": np.geomspace(1e-3, 8.0, m).tolist(),
            "inactive": [9] if i == 1 else [],
            "ssim_recorded": {"predicted": 0.962, "target": 0.955, "response": 0.71, "random": 0.38} if i == 0 else {},
        }

    return {
        "info": {"name": "shapes_cnn", "layer": "output", "beta": 2.0, "aggregation": "maxpool_mean", "m": m,
                 "channels": list(CLASSES), "channel_title": "class"},
        "samples": [sample(i) for i in range(3)],
        "spaces": [{"label": f"none (ℝ^{m})", "dim": m, "m": m, "restricted": False, "trivial": []},
                   {"label": f"C · dim {m - 1} · selected", "dim": m - 1, "m": m, "restricted": True, "trivial": ["noise"]}],
        "selected": 0, "space": 0, "stability": {}, "can_reoptimize": True, "reopt_note": "",
    }


WIDGETS = {"live_render": live_render, "live_render_alpha": live_render_alpha, "walk_scrubber": walk_scrubber,
           "direction_editor": direction_editor, "ifv_explorer": ifv_explorer}
MODULE = {"live_render_alpha": "live_render"}  # showcase name -> the widget's front end
READY = {  # the widget has drawn its images
    "live_render": "() => document.querySelector('.fviz-live canvas.fviz-frame').width > 1 && "
                   "[...document.querySelectorAll('.fviz-strip canvas')].every(c => c.width > 1)",
    "walk_scrubber": "() => document.querySelector('.fviz-walk canvas.fviz-frame').width > 1",
    "direction_editor": "() => document.querySelector('.fviz-dir .fviz-bar') !== null",
    "ifv_explorer": "() => document.querySelector('.fviz-ifv canvas.fviz-frame')?.dataset.sample !== undefined",
}


def show(harness, widget: str, theme, width: int, css: str = "") -> None:
    """Mount `widget` with its representative state in an output area and wait until it is drawn."""
    harness.output_area(width, theme, css)
    module = MODULE.get(widget, widget)
    harness.mount(module, WIDGETS[widget]())
    harness.page.wait_for_function(READY[module])
    harness.page.wait_for_timeout(150)  # thumbnails and throttled plots settle
