"""The `fviz` command (also ``python -m fviz_widgets``).

    fviz layers [MODEL]                      list a model's layers (default shapes_cnn)
    fviz render MODEL LAYER[:CHANNEL] -o x.png   render one channel, or every channel of a layer as a grid
    fviz walk MODEL LAYER:CHANNEL -o w.gif   a geodesic walk along a unit's most (or least) invariant direction
    fviz atlas MODEL --layers L1,L2 -o DIR   every channel of some layers as a static website (resumable)
    fviz demo --out out                      render the shapes model's classes and channels (and ImageNet classes)
    fviz ifv run CONFIG                      run an IFV experiment (or sweep) from a JSON config into records
    fviz ifv summarize DIR                   one markdown table of the records under a folder

MODEL is a zoo name (shapes_cnn, efficientnet_lite0/1/2, fer_emotion), torchvision:NAME, or
path/to/file.py:factory (`fviz_widgets.zoo.load_model`). A user error prints one line and exits
with status 2; Ctrl-C exits with status 130 and leaves no half-written output.

Example:
    >>> main(["layers", "shapes_cn"])
    2
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path
from typing import List, Optional

from ..core.capture import LayerError
from .atlas import atlas_command
from .models import layers_command, parse_size, parse_target, render_command, walk_command
from .runs import DEMO_IMAGENET_CLASSES, demo, fast_steps, ifv_run

__all__ = ["DEMO_IMAGENET_CLASSES", "USER_ERRORS", "atlas_command", "demo", "fast_steps", "ifv_run", "layers_command", "main",
           "parse_size", "parse_target", "render_command", "walk_command"]

#: What a user can get wrong: these print one line and exit with status 2 (LayerError is a ValueError).
USER_ERRORS = (ValueError, TypeError, LayerError, IndexError, FileNotFoundError, FileExistsError, IsADirectoryError,
               NotADirectoryError, PermissionError, ImportError)

PARAM_HELP = ("image parameterization: fft (default), pixel, maco, cppn (each also NAME+alpha: RGBA, saved as "
              "RGBA PNG), normal_depth (a normal map and a depth, for a 4-channel model) or path/to/file.py:function "
              "(your own: (size, *, batch, seed, device) -> fv.param)")
MODEL_HELP = "a zoo name (shapes_cnn, efficientnet_lite0/1/2, fer_emotion), torchvision:NAME or path/to/file.py:factory"


def _size(text: str):
    try:
        return parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _model_parsers(commands) -> None:
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("model", help=MODEL_HELP)
    shared.add_argument("target", metavar="LAYER[:CHANNEL]", help="a layer from `fviz layers MODEL`, e.g. conv3:5")
    shared.add_argument("-o", "--out", type=Path, required=True, help="the file to write")
    shared.add_argument("--size", type=_size, default=None, help="image size, N or HxW (default: the model's input size)")
    shared.add_argument("--seed", type=int, default=0)
    shared.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or mps")
    shared.add_argument("--objective", choices=("channel", "neuron"), default="channel",
                        help="a channel's mean activation, or its centre neuron")
    shared.add_argument("--scale", type=int, default=1, help="enlarge each pixel to N×N in the output")
    render = commands.add_parser("render", parents=[shared], help="render one channel, or a whole layer as a grid")
    render.add_argument("--steps", type=int, default=256, help="Adam steps (default 256)")
    render.add_argument("--batch-size", type=int, default=16, help="channels per run for a whole layer")
    render.add_argument("--param", default="fft", help=PARAM_HELP)
    render.add_argument("--lr", type=float, default=0.05, help="Adam learning rate")
    render.add_argument("--transforms", choices=("standard", "robust", "crops", "none"), default="standard",
                        help="transformation robustness (random jitter, scale, rotation; robust: stronger, for deep "
                             "networks; crops: MACO's, random crops of 25-30%% of a larger --size enlarged to the "
                             "model's input)")
    render.add_argument("--views", type=int, default=1,
                        help="random views per step, the objective averaged over them (MACO's crops: 6)")
    render.add_argument("--columns", type=int, default=None, help="tiles per row of a layer's grid")
    walk = commands.add_parser("walk", parents=[shared], help="a geodesic walk from a unit's optimal stimulus (GIF/MP4)")
    walk.add_argument("--steps", type=int, default=300, help="ascent iterations for the optimal stimulus")
    walk.add_argument("--direction", choices=("most", "least"), default="most", help="most or least invariant")
    walk.add_argument("--index", type=int, default=0, help="which of them: 0 is the most (least) invariant one")
    walk.add_argument("--frames", type=int, default=32)
    walk.add_argument("--fps", type=float, default=12.0)
    walk.add_argument("--c", type=float, default=0.7, help="walk while the unit stays above c·g(x⁺) (default 0.7)")
    walk.add_argument("--threshold", type=float, default=None, help="walk while the unit stays above this instead")
    walk.add_argument("--smooth", action=argparse.BooleanOptionalAction, default=True,
                      help="analyse a smooth surrogate of ReLU/max-pool networks (default on)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fviz", description="feature visualization for PyTorch")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    commands = parser.add_subparsers(dest="command", required=True)
    layers_parser = commands.add_parser("layers", help="list a model's layers (name, type, output shape)")
    layers_parser.add_argument("model", nargs="?", default="shapes_cnn", help=MODEL_HELP + " (default shapes_cnn)")
    layers_parser.add_argument("--size", type=_size, default=None, help="input size, N or HxW")
    _model_parsers(commands)
    atlas = commands.add_parser("atlas", help="every channel of some layers as a static website that opens from disk")
    atlas.add_argument("model", help=MODEL_HELP)
    atlas.add_argument("--layers", required=True, type=lambda text: [t for t in text.split(",") if t],
                       help="comma-separated layers from `fviz layers MODEL`, e.g. conv2,conv3")
    atlas.add_argument("-o", "--out", type=Path, required=True, help="the atlas folder (an interrupted one resumes)")
    atlas.add_argument("--channels", default=None, help="channels of each layer, e.g. 0-15,32 (default: all)")
    atlas.add_argument("--steps", type=int, default=256, help="Adam steps per batch (default 256)")
    atlas.add_argument("--size", type=_size, default=None, help="image size, N or HxW (default: the model's input size)")
    atlas.add_argument("--seed", type=int, default=0)
    atlas.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or mps")
    atlas.add_argument("--batch-size", type=int, default=16, help="channels per run (default 16)")
    atlas.add_argument("--param", default="fft", help=PARAM_HELP)
    atlas.add_argument("--transforms", choices=("standard", "robust", "none"), default="standard",
                       help="transformation robustness (robust: stronger, for deep networks)")
    atlas.add_argument("--dataset", default="shapes",
                       help="dataset examples from shapes, photos, faces or a folder of images; 'none' for none")
    atlas.add_argument("--examples", type=int, default=8, help="most and least exciting examples per channel")
    atlas.add_argument("--dask", default=None, metavar="ADDRESS",
                       help="run the batches on a Dask cluster: a scheduler address, or 'local' for one here")
    atlas.add_argument("--overwrite", action="store_true", help="start again in a folder made with other settings")
    demo_parser = commands.add_parser("demo", help="render the shapes model (and ImageNet classes of EfficientNet-Lite0) into a folder")
    demo_parser.add_argument("--out", type=Path, default=Path("out"))
    demo_parser.add_argument("--steps", type=int, default=None, help="Adam steps (default 256; 32 with FVIZ_FAST=1)")
    demo_parser.add_argument("--seed", type=int, default=0)
    ifv_parser = commands.add_parser("ifv", help="inverse feature visualization experiments")
    ifv_commands = ifv_parser.add_subparsers(dest="ifv_command", required=True)
    run_parser = ifv_commands.add_parser("run", help="run the experiment(s) of a JSON config into record folders")
    run_parser.add_argument("config", type=Path, help="JSON config: one experiment or a {name, base, sweep} file")
    run_parser.add_argument("--out", type=Path, default=Path("out/ifv"), help="folder that receives the records")
    run_parser.add_argument("--workers", type=int, default=1, help="local worker processes (1: run inline)")
    run_parser.add_argument("--dask", default=None, metavar="ADDRESS",
                            help="run the work units on a Dask cluster: a scheduler address, or 'local' for one here")
    run_parser.add_argument("--device", default=None, help="run the work units here (e.g. cuda), overriding the config")
    run_parser.add_argument("--batch-size", type=int, default=None,
                            help="realizations per work unit, overriding the config (a GPU takes hundreds; "
                                 "units seed themselves by their start, so other seeds are drawn)")
    run_parser.add_argument("--fast", action="store_true", default=None,
                            help="shrunken run (also FVIZ_FAST=1): few samples and steps")
    run_parser.add_argument("--overwrite", action="store_true",
                            help="replace records that exist (without it, complete records of the same config are "
                                 "kept and records of another config are an error)")
    run_parser.add_argument("--allow-import", action="store_true",
                            help="let the config's model be 'package.module:function', which is imported and run")
    summarize_parser = ifv_commands.add_parser("summarize", help="one markdown table of every record under a folder")
    summarize_parser.add_argument("folder", type=Path, nargs="?", default=Path("out/ifv"))
    return parser


def _run(args: argparse.Namespace) -> None:
    if args.command == "demo":
        made = demo(args.out, args.steps or fast_steps(256), args.seed)
        print("made:", *(f"  {path}" for path in made), sep="\n")
        print("next: `make lab` opens JupyterLab on notebooks/ (start with 00_quickstart.ipynb)")
    elif args.command == "layers":
        print(layers_command(args.model, args.size))
    elif args.command in ("render", "walk"):
        shared = dict(steps=args.steps, size=args.size, seed=args.seed, device=args.device, objective=args.objective,
                      scale=args.scale)
        if args.command == "render":
            path = render_command(args.model, args.target, args.out, batch_size=args.batch_size, param=args.param,
                                  lr=args.lr, transforms=args.transforms, views=args.views, columns=args.columns,
                                  **shared)
        else:
            path = walk_command(args.model, args.target, args.out, direction=args.direction, index=args.index,
                                frames=args.frames, fps=args.fps, smooth=args.smooth, c=args.c,
                                threshold=args.threshold, **shared)
        print(f"made: {path}")
    elif args.command == "atlas":
        index = atlas_command(args.model, args.layers, args.out, channels=args.channels, steps=args.steps,
                              size=args.size, seed=args.seed, device=args.device, batch_size=args.batch_size,
                              dataset=None if args.dataset == "none" else args.dataset, examples=args.examples,
                              param=args.param, transforms=args.transforms, dask=args.dask,
                              overwrite=args.overwrite)
        print(f"made: {index} (open it in a browser)")
    elif args.command == "ifv" and args.ifv_command == "run":
        made = ifv_run(args.config, args.out, args.workers, args.dask, args.fast, args.device, args.batch_size,
                       overwrite=args.overwrite, allow_import=args.allow_import)
        print("records:", *(f"  {path}" for path in made), sep="\n")
    elif args.command == "ifv" and args.ifv_command == "summarize":
        from ..experiments.record import overview

        print(overview(args.folder))


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as one line on stderr, without the source line it was raised from."""
    print("fviz: warning: " + " ".join(str(message).split()), file=file or sys.stderr)


def main(argv: Optional[List[str]] = None) -> int:
    """The `fviz` command; returns the exit status (2 for a user error, printed as one line)."""
    args = _parser().parse_args(argv)
    try:
        with warnings.catch_warnings():  # restores the warning display on the way out
            if not args.debug:
                warnings.showwarning = _show_warning
            _run(args)
    except USER_ERRORS as error:
        if args.debug:
            raise
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"fviz: error: {message} (--debug shows the traceback)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fviz: interrupted (nothing half-written is left behind)", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `fviz layers MODEL | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
