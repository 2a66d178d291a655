"""Writing results: atomic files that respect the umask, run folders, and the model version that stamps them."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..config import CONFIG_DIR, to_yaml
from ..model.outputs import CODEBOOK, PACKAGE_VERSION

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
# what a run's numbers depend on: the config schema, the model and the checks, and the config files (the sweeps,
# the report and the app can change without making any finished run stale)
MODEL_LAYERS = ("config", "model", "checks")


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


def write_bytes(path: Path, data: bytes) -> None:
    atomic_write(path, lambda p: Path(p).write_bytes(data))


@functools.lru_cache(maxsize=1)
def model_version() -> str:
    """The package version plus a hash of the model's code and configs as they are on disk (uncommitted changes
    included), asked once per process: two runs share a version only if the code that made them was the same."""
    h = hashlib.sha256()
    sources = [(PACKAGE_ROOT / layer, "*.py") for layer in MODEL_LAYERS] + [
        (PACKAGE_ROOT / "model", "*.pyx"), (PACKAGE_ROOT / "model", "*.pxd"), (CONFIG_DIR, "*.yaml")]
    for root, pattern in sources:
        for path in sorted(root.rglob(pattern)):
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return f"{PACKAGE_VERSION}+{h.hexdigest()[:12]}"


# A run folder: the time series is the one parquet file, so that a sweep's runs/ folder reads as one Hive-partitioned
# dataset (pyarrow.dataset, polars.scan_parquet); the run's config, summary and error are beside it under names
# starting with "_", which those readers skip.
CONFIG_FILE, SUMMARY_FILE, SERIES_FILE, ERROR_FILE = "_config.yaml", "_summary.json", "timeseries.parquet", "_error.txt"
COUNTY_FILE = "_county_timeseries.parquet"
# beside a sweep's units (its .sweep folder): the variants' checked configs, as the sweep composed them, for the jobs
PLANNED_CONFIGS_FILE = "configs.pkl"


def write_run(out_dir: str | Path, cfg, summary: dict, series=None, county=None,
              config_yaml: str | None = None) -> Path:
    """Write the config (`config_yaml` if given: ``to_yaml(cfg)`` made by the caller), the time series (townships,
    county) and, last, the summary (a run is complete once its summary is there)."""
    out = Path(out_dir)
    (out / ERROR_FILE).unlink(missing_ok=True)
    write_text(out / CONFIG_FILE, to_yaml(cfg) if config_yaml is None else config_yaml)
    if series is not None:
        write_table(out / SERIES_FILE, series, "timeseries")
    if county is not None:
        write_table(out / COUNTY_FILE, county, "county_timeseries")
    write_text(out / SUMMARY_FILE, json.dumps(summary, indent=2, ensure_ascii=False))
    return out


def write_table(path: Path, frame: pd.DataFrame, table: str | None = None, units: dict | None = None) -> None:
    """A parquet file whose schema metadata carries each column's unit and meaning (from the codebook)."""
    book = units if units is not None else column_notes(table)
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    notes = {c: book[c] for c in frame.columns if c in book}
    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}),
                                           b"grassroots_sim.codebook": json.dumps(notes, ensure_ascii=False).encode()})
    atomic_write(path, lambda p: pq.write_table(arrow, p))


def column_notes(table: str | None) -> dict[str, dict]:
    """column -> {unit, meaning} for one table of the codebook (all of them if None)."""
    return {o.column: {"unit": o.unit, "meaning": o.meaning} for o in CODEBOOK if table is None or o.table == table}


def run_key(variant_config_yaml: str, seed: int) -> str:
    """What a run's result depends on: its fully resolved config (its variant's, and its seed) and the model
    version (code and configs)."""
    text = f"{model_version()}\nseed={int(seed)}\n{variant_config_yaml}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def read_summary(run_dir: Path) -> dict | None:
    """The run's summary if it is there and parses, else None."""
    try:
        return json.loads((run_dir / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def run_state(run_dir: Path, key: str) -> str:
    """'done' (its files are all there, parse, and were made from this config by this model), 'stale' (complete,
    but made from another config or model version), 'failed' (an error was recorded) or 'missing'."""
    summary = read_summary(run_dir)
    needs_series = summary is not None and summary.get("scenario") != "mmc"  # the queueing check has no series
    if summary is not None and _series_ok(run_dir, needs_series) and (run_dir / CONFIG_FILE).is_file():
        return "done" if summary.get("run_key") == key else "stale"
    return "failed" if (run_dir / ERROR_FILE).is_file() else "missing"


def _series_ok(run_dir: Path, needed: bool) -> bool:
    if not needed:
        return True
    try:
        pq.read_metadata(run_dir / SERIES_FILE)
        return True
    except (OSError, ValueError, pa.ArrowException):
        return False
