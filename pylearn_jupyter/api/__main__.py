"""``python -m pylearn_jupyter.api``: the same entry point as ``pylearn api``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
