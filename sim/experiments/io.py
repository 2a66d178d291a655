"""Writing results: atomic files that respect the umask, run folders, and the model version that stamps them."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path

from ..config import CONFIG_DIR, to_yaml
from ..model.outputs import PACKAGE_VERSION

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write) -> None:
    """Write through `write(tmp_path)` to a temporary name beside `path`, then rename: a reader never sees half a
    file, and a failure (a full disk, a signal) removes the temporary file. The file gets the usual permissions
    (0666 less the umask), so collaborators can read results the way they read any file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda p: Path(p).write_text(text, encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def model_version() -> str:
    """The package version plus a hash of the model's code and configs as they are on disk (uncommitted changes
    included), asked once per process: two runs share a version only if the code that made them was the same."""
    h = hashlib.sha256()
    for root, pattern in ((PACKAGE_ROOT, "*.py"), (CONFIG_DIR, "*.yaml")):
        for path in sorted(root.rglob(pattern)):
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return f"{PACKAGE_VERSION}+{h.hexdigest()[:12]}"


def write_run(out_dir: str | Path, cfg, summary: dict, series) -> Path:
    """Write config.yaml, timeseries.parquet and, last, summary.json (its presence marks a complete run)."""
    out = Path(out_dir)
    write_text(out / "config.yaml", to_yaml(cfg))
    if series is not None:
        atomic_write(out / "timeseries.parquet", lambda p: series.to_parquet(p, index=False))
    write_text(out / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False))
    return out
