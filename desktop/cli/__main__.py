"""``python -m desktop.cli``: the same as the ``chartside`` command."""

import sys

from desktop.cli.main import main

sys.exit(main())
