"""Check application args without Ray: ``python3 -m ray_gitops_serve.check_config ARGS.json``.

Reads the ``args`` object (a JSON file, or ``-`` for stdin) exactly as ``build_app`` would, with an empty
environment so the result depends on the args alone. Exit 0 and the parsed config as JSON on stdout;
exit 1 and one ``PATH: message`` line per problem on stderr; exit 2 when the input cannot be read.
The renderer's contract test runs this on what render-rgd writes.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Optional, Sequence, TextIO

from .config import parse_args
from .errors import InvalidServeConfig


def main(argv: Optional[Sequence[str]] = None, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m ray_gitops_serve.check_config",
        description="Check the args of the ray-gitops Serve application (serve/config.schema.json).",
    )
    parser.add_argument("path", help="JSON file holding the args object, or - for stdin")
    options = parser.parse_args(argv)
    try:
        if options.path == "-":
            text = stdin.read()
            where = "<stdin>"
        else:
            with open(options.path, encoding="utf-8") as handle:
                text = handle.read()
            where = options.path
    except OSError as err:
        print(f"{options.path}: cannot read: {err.strerror or err}", file=stderr)
        return 2
    try:
        args = json.loads(text)
    except json.JSONDecodeError as err:
        print(f"{where}:{err.lineno}:{err.colno}: not JSON: {err.msg}", file=stderr)
        return 2
    try:
        config = parse_args(args, environ={})
    except InvalidServeConfig as invalid:
        for issue in invalid.issues:
            print(f"{where}: {issue}", file=stderr)
        return 1
    json.dump(config.to_dict(), stdout, indent=2, sort_keys=True)
    stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
