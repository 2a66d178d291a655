"""The model's compiled parts (Cython, built by the install: scripts/bootstrap, `pip install -e .`), checked against
their sources.

- ``day_rule``: the cadres' day rule (``workday.py`` describes it), what the day asks of them before it
  (``demands``: productivity, defensive paperwork, shadow ledgers, ``agents.Cadres.plan_day``), the close of their
  day (``close_day``: overtime, days off, fatigue and the totals, ``agents.Cadres.end_day``) and their blame after
  the day's decay and overdue work (``blame_after``, ``offices/accountability.py``);
- ``small_world``: the residents' Watts-Strogatz ties, networkx's edges for the same seed (``networks.py``);
- ``word_of_mouth``: the residents' ties, checked once (``Ties``), their weekly talk (``agents.Households.talk``),
  the views a day's contacts set and who hears of a day's calls to 12345;
- ``data_stores``: the data stores a report request reads and feeds (``offices/data.py``; held once, ``Stores``);
- ``message_copies``: the copies a day's notices make in the work groups (``offices/chat.py``; each network held
  once, ``Cascade``);
- ``queues``: serving the request book's queues (``request_book.py``) and the order within each, and the book's new
  rows; the work waiting per village, where the day's requests go, the day's proactive visits (due, chosen, and
  made whole), the requests past their resident's patience, the hotline's overdue tasks and each cadre's service
  hours by kind (``offices/service_desk.py``, ``hotline.py``);
- ``draws``: a day's requests drawn from a stream as numpy's Generator draws them (``agents.Department``, whose
  five channels' usual requests are drawn in one call, ``UsualRequests``; the day's notices in the work groups,
  ``notices``; the day's requests from households, ``arrivals``; the villages' incidents; a reform's daily
  lapses and reviews, ``lapses``, for ``fidelity.Fidelity``);
- ``scatter``: adding into a few cadres' entries of the ledgers and accounts as ``np.add.at`` adds (the usual
  arrays read through their buffers), the accounts' hours by township as ``np.bincount`` adds them, and the
  ledger's daily shift (``workload.py``, ``accounts.py``); a request's hours summed as numpy sums them and a
  reform's removal booked in one call (``total``, ``book_removed``), the departments' smoothed view of their
  costs (``smooth_costs``, ``agents.DemandSeen``), and the day's per-cadre figures added into the tally's totals
  (``add_into``, ``tally.py``).

Each gives the figures its pure-Python or numpy form gives, to the last bit; the tests hold them to that.
"""

from __future__ import annotations

from pathlib import Path

from . import data_stores, day_rule, draws, message_copies, queues, scatter, small_world, word_of_mouth


def _check_built(module) -> None:
    """In a checkout, a source edited since it was compiled (its .pyx, or a .pxd it may cimport) would run the old
    code: stop and say so. (An installed wheel's files are written in no particular order, and its modules were
    compiled from its own sources.)"""
    built = Path(module.__file__)
    sources = [built.with_name(module.__name__.rsplit(".", 1)[-1] + ".pyx"), *built.parent.glob("*.pxd")]
    checkout = (Path(__file__).parents[2] / "pyproject.toml").is_file()
    newer = [s for s in sources if s.exists() and s.stat().st_mtime > built.stat().st_mtime]
    if checkout and newer:
        raise ImportError(f"{newer[0]} changed after {built.name} was compiled: run scripts/bootstrap (or "
                          "`pip install --no-deps -e .`) to build it again")


for _module in (day_rule, small_world, word_of_mouth, data_stores, message_copies, queues, draws, scatter):
    _check_built(_module)

__all__ = ["data_stores", "day_rule", "draws", "message_copies", "queues", "scatter", "small_world",
           "word_of_mouth"]
