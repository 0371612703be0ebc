"""Entry point of the frozen app: the desktop app and the ``chartside`` CLI in one executable."""

import multiprocessing
import sys

from desktop.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # Windows: child processes of the frozen app
    sys.exit(main())
