"""The participatory mode: a class plays the county, each student the head of a township (as NetLogo's HubNet does).

The teacher starts a session (a short code, a seed, a budget of reforms per township). Each student joins with the
code, picks at most `budget` reforms and submits; the server simulates that township for the classroom scenario's
year (after its warm-up) with the chosen reforms and puts it on the class board beside everyone else's, ranked by
admin hours saved, with the change in residents' service time and the hours moved up to county departments. The
teacher can reveal the best package the model's own search found within the same budget.

Every student heads the same township (the session's seed): the townships of a real county differ, and a board that
ranked different townships would rank their luck along with their choices. With one township and common random
numbers, a difference on the board is a difference the reforms made. The hours saved and the service-time change
are measured against the same township without reforms, computed once per session.

Sessions live in this process (several at once, no accounts, nothing leaves the machine); each has one worker thread
that runs its simulations in the order they were submitted.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from sim.config import REFORM_NAMES
from sim.model.model import GrassrootsModel
from sim.model.outputs import summarise

from .model import chosen_reforms, load

# what the board shows of a township's year, against the same township without reforms
BOARD_KEYS = ("hours_saved", "service_days_change", "moved_up_hours")
# the session code: letters and digits that cannot be misread for one another on a projector
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 4
MAX_BUDGET = 5          # a lesson's budget: the search for the best package grows with it (budget x 20 runs)
SERVICE_TOLERANCE_DAYS = 0.1  # the best package may not slow residents' service by more (robustness.yaml's backfire)


class SessionError(ValueError):
    """A request the session cannot take (an unknown code, a package over budget, an unknown reform)."""


def simulate(seed: int, reforms: Iterable[str]) -> dict:
    """The classroom township's measured year with these reforms: the summary (``sim.model.outputs``)."""
    reforms = tuple(reforms)
    overrides = ["scenario=classroom", f"seed={seed}"] + ([f"reform=[{','.join(reforms)}]"] if reforms else [])
    return summarise(GrassrootsModel(load(overrides)).run())


def board_row(summary: dict, baseline: dict) -> dict[str, float]:
    """What the board shows: admin hours saved per cadre-week, the change in mean service days (positive: slower)
    and the hours moved up to county departments per cadre-week."""
    return {
        "hours_saved": baseline["admin_hours_per_cadre_week"] - summary["admin_hours_per_cadre_week"],
        "service_days_change": summary["service_time_mean_days"] - baseline["service_time_mean_days"],
        "moved_up_hours": (summary["department_hours_per_county_week"]
                           - baseline["department_hours_per_county_week"]) / summary["n_cadres"],
    }


@dataclass
class Township:
    """One student's township on the board."""

    name: str
    reforms: tuple[str, ...] = ()
    status: str = "choosing"      # choosing, running, done, failed
    result: dict[str, float] | None = None
    error: str | None = None


@dataclass
class ClassSession:
    code: str
    seed: int
    budget: int
    townships: dict[str, Township] = field(default_factory=dict)  # student id -> township
    version: int = 0               # bumped on every change: pages poll it to know when to redraw
    revealed: bool = False
    best: tuple[str, ...] | None = None       # the model's best package within the budget, once found
    best_result: dict[str, float] | None = None
    searching: bool = True

    def __post_init__(self):
        self._lock = threading.RLock()
        # one worker for the students' townships, one for the search for the best package; the search runs a
        # simulation only while no student's run waits (both share this process), so students come first
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"class-{self.code}")
        self._searcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"class-{self.code}-search")
        self._students_waiting = 0
        self._quiet = threading.Condition(self._lock)
        self._closed = threading.Event()
        self._baseline: Future = self._worker.submit(simulate, self.seed, ())
        self._singles: dict[tuple[str, ...], dict] = {}

    # ---- students ----------------------------------------------------------------------------------------------
    def join(self, name: str) -> str:
        """A student joins: returns their id (kept by their browser tab). A name already taken gets a number."""
        name = " ".join(str(name).split())[:24] or "?"
        with self._lock:
            taken = {t.name for t in self.townships.values()}
            unique, k = name, 2
            while unique in taken:
                unique, k = f"{name} {k}", k + 1
            student = secrets.token_hex(4)
            self.townships[student] = Township(unique)
            self._changed()
        return student

    def submit(self, student: str, reforms) -> Future:
        """A student's package: at most `budget` reforms. Runs in the session's worker; the board follows."""
        chosen = chosen_reforms(reforms)  # raises on an unknown reform name
        if len(chosen) > self.budget:
            raise SessionError(f"reforms: {len(chosen)} chosen; allowed: at most {self.budget} (the class budget)")
        with self._lock:
            if student not in self.townships:
                raise SessionError("student: not in this session; join it first")
            t = self.townships[student]
            t.reforms, t.status, t.result, t.error = chosen, "running", None, None
            self._students_waiting += 1
            self._changed()
        return self._worker.submit(self._run, student, chosen)

    def _run(self, student: str, chosen: tuple[str, ...]) -> None:
        try:
            row = board_row(self._summary(chosen), self._baseline.result())
            error = None
        except Exception as exc:  # the board shows it; the session goes on
            row, error = None, f"{type(exc).__name__}: {exc}"
        with self._quiet:
            self._students_waiting -= 1
            self._quiet.notify_all()
            t = self.townships.get(student)
            if t is not None and t.reforms == chosen:  # a later submission replaces this one
                t.result, t.error, t.status = row, error, ("failed" if error else "done")
                self._changed()

    def _summary(self, chosen: tuple[str, ...], students_first: bool = False) -> dict:
        """Packages already simulated in this session are not run again (same seed, same result)."""
        if chosen not in self._singles:
            if students_first:
                with self._quiet:
                    self._quiet.wait_for(lambda: self._students_waiting == 0 or self._closed.is_set())
            self._singles[chosen] = simulate(self.seed, chosen) if chosen else self._baseline.result()
        return self._singles[chosen]

    # ---- the board ---------------------------------------------------------------------------------------------
    def board(self) -> list[dict]:
        """The townships, ranked: those with a result by hours saved (most first), then the others."""
        with self._lock:
            rows = [dict(student=s, name=t.name, reforms=t.reforms, status=t.status, error=t.error,
                         **(t.result or {k: float("nan") for k in BOARD_KEYS}))
                    for s, t in self.townships.items()]
        rows.sort(key=lambda r: (r["status"] != "done", -r["hours_saved"] if r["status"] == "done" else 0.0))
        for rank, r in enumerate(rows, start=1):
            r["rank"] = rank if r["status"] == "done" else None
        return rows

    # ---- the teacher -------------------------------------------------------------------------------------------
    def start_search(self) -> Future:
        """Search for the model's best package within the budget, beside the students' runs: greedy, one
        reform at a time, each step adding the reform that saves most hours without slowing service by more than
        SERVICE_TOLERANCE_DAYS. Greedy, not exhaustive: 20 + 19 + ... runs instead of every subset."""
        return self._searcher.submit(self._search)

    def _search(self) -> None:
        baseline = self._baseline.result()
        best: tuple[str, ...] = ()
        best_row = board_row(baseline, baseline)
        for _ in range(self.budget):
            step = None
            for name in REFORM_NAMES:
                if self._closed.is_set():  # the session was closed: the search stops with it
                    return
                if name in best:
                    continue
                candidate = chosen_reforms((*best, name))
                row = board_row(self._summary(candidate, students_first=True), baseline)
                acceptable = row["service_days_change"] <= SERVICE_TOLERANCE_DAYS
                if acceptable and row["hours_saved"] > (step[1]["hours_saved"] if step else best_row["hours_saved"]):
                    step = (candidate, row)
            if step is None:  # no reform adds a saving within the service tolerance
                break
            best, best_row = step
        with self._lock:
            self.best, self.best_result, self.searching = best, best_row, False
            self._changed()

    def reveal(self) -> None:
        with self._lock:
            self.revealed = True
            self._changed()

    def close(self) -> None:
        """End the session: it leaves the server's list, its search stops and queued runs are dropped."""
        self._closed.set()
        with self._quiet:
            self._quiet.notify_all()
        with _SESSIONS_LOCK:
            _SESSIONS.pop(self.code, None)
        self._worker.shutdown(wait=False, cancel_futures=True)
        self._searcher.shutdown(wait=False, cancel_futures=True)

    def _changed(self) -> None:
        self.version += 1


_SESSIONS: dict[str, ClassSession] = {}
_SESSIONS_LOCK = threading.Lock()


def start_session(budget: int = 3, seed: int = 0) -> ClassSession:
    """A new session with a fresh code; its baseline and the search for the best package start at once."""
    if not isinstance(budget, int) or not 1 <= budget <= MAX_BUDGET:
        raise SessionError(f"budget: {budget!r}; allowed: a whole number from 1 to {MAX_BUDGET}")
    if not isinstance(seed, int) or seed < 0:
        raise SessionError(f"seed: {seed!r}; allowed: a whole number >= 0")
    with _SESSIONS_LOCK:
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if code not in _SESSIONS:
                break
        session = _SESSIONS[code] = ClassSession(code=code, seed=seed, budget=budget)
    session.start_search()
    return session


def find_session(code: str) -> ClassSession:
    key = str(code).strip().upper()
    with _SESSIONS_LOCK:
        if key not in _SESSIONS:
            raise SessionError(f"code: no class session {key!r} on this server; ask the teacher for the code")
        return _SESSIONS[key]


def wait_until(predicate, timeout: float = 60.0, interval: float = 0.05) -> bool:
    """For tests and scripts: wait until `predicate()` holds (True) or the timeout passes (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
