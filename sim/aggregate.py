"""Command: ``python -m sim.aggregate folder=results/<experiment>`` (or the folder bare, first): rebuild the tables
of a sweep's results folder (see :mod:`sim.experiments.aggregate`)."""

import sys

from sim.config.keyvalue import SettingsError, parse_key_values
from sim.experiments.aggregate import AggregateError, aggregate

USAGE = "usage: python -m sim.aggregate folder=results/<experiment>"


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    try:
        settings = parse_key_values(argv, ("folder",), first="folder")
        if "folder" not in settings:
            raise SettingsError(f"folder: no value given ({USAGE})")
        result = aggregate(settings["folder"])
    except (SettingsError, AggregateError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk, a folder we may not write: one line naming the file
        print(f"error: cannot write {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{len(result['runs'])} runs aggregated in {settings['folder']}; "
          f"missing or failed: {len(result['missing'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
