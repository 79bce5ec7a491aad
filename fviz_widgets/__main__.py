"""``python -m fviz_widgets``: the `fviz` command (`fviz_widgets.cli.main`)."""

if __name__ == "__main__":  # not when a tool imports the module (pytest --doctest-modules)
    import sys

    from .cli import main

    sys.exit(main())
