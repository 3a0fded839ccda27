"""The console script's entry point: `papertriage --version` answers before the CLI (typer,
rich) is imported, in about the time Python takes to start; everything else goes to cli.main."""

from __future__ import annotations

import sys


def main() -> int | None:
    if sys.argv[1:] == ["--version"]:
        from papertriage import __version__

        sys.stdout.write(f"papertriage {__version__}\n")
        return 0
    from papertriage.cli import main as cli_main

    return cli_main()
