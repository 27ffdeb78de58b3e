"""``python -m loopmap``: the same as the ``loopmap`` command."""

from loopmap.cli import main

if __name__ == "__main__":
    main()
