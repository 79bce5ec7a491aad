"""``python -m fviz_widgets.cli``: the `fviz` command."""

if __name__ == "__main__":
    import sys

    from . import main

    sys.exit(main())
