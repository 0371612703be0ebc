"""The ``chartside`` command, one module per command family (``desktop/cli/``).

``main`` parses and dispatches (``main.py``); ``common`` opens the chart for a command and holds
the shared prompts and argument types; ``chart`` (init, demo, patients, export, …), ``gui`` (the
desktop app: the default with no command) and the feature families (``billing``, ``sync``,
``schedule``, …) register their own subcommands (``registry``). Nothing imports ``main`` but this
package, and ``common`` imports no other module of it: no import circle (import-linter).
"""

from core.paths import default_chart_path
from desktop.cli.common import ENV_CHART, ENV_NEW_PASSPHRASE, ENV_PASSPHRASE
from desktop.cli.main import build_parser, main

__all__ = [
    "ENV_CHART",
    "ENV_NEW_PASSPHRASE",
    "ENV_PASSPHRASE",
    "build_parser",
    "default_chart_path",
    "main",
]
