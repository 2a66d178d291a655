"""'Did you mean ...?' for a misspelt name: a key, a reform, a scenario, a package, a command-line setting."""

from __future__ import annotations

from difflib import get_close_matches


def did_you_mean(word: str, options) -> str:
    """' did you mean 'x'?' for the closest option (or two), or '' when nothing is close."""
    close = get_close_matches(str(word), [str(o) for o in options], n=2, cutoff=0.6)
    if not close:
        return ""
    return " did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def unknown(what: str, word: str, options) -> str:
    """One line: ``<what>: unknown '<word>'; did you mean '<x>'? allowed: a, b, c``."""
    options = sorted(str(o) for o in options)
    hint = did_you_mean(word, options)
    return f"{what}: unknown '{word}';{hint} allowed: {', '.join(options)}" if hint else \
        f"{what}: unknown '{word}'; allowed: {', '.join(options)}"
