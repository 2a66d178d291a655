"""Progress of long work (sweeps): a tqdm bar on a terminal, a plain line now and then in a log file."""

from __future__ import annotations

import sys

from tqdm import tqdm


class _Lines:
    """A stream for tqdm that turns its carriage-return redraws into whole lines (readable in a log)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> None:
        text = text.replace("\r", "").strip()
        if text:
            self.stream.write(text + "\n")

    def flush(self) -> None:
        self.stream.flush()


def progress_bar(total: int, unit: str, stream=None) -> tqdm:
    stream = stream or sys.stderr
    if stream.isatty():
        return tqdm(total=total, unit=f" {unit}", file=stream, dynamic_ncols=True)
    # in a log: one line at most every 30 s (and at the end), no bar characters to garble it
    return tqdm(total=total, unit=f" {unit}", file=_Lines(stream), mininterval=30.0, ascii=True, ncols=80)
