"""The participatory mode's sessions (sim/views/classroom/participatory.py), without a browser: several sessions at
once, joining, the budget, the ranked board against a fresh run, bad requests refused with the key, and the best
package within the budget. The pages themselves are tested in a real browser (tests/test_app_browser.py)."""

from __future__ import annotations

import pytest

from sim.config import ConfigError
from sim.views.classroom import participatory as P


def _done(session, n: int) -> bool:
    return len(session.townships) == n and all(t.status == "done" for t in session.townships.values())


def test_two_sessions_at_once_keep_their_own_boards():
    a, b = P.start_session(budget=2, seed=0), P.start_session(budget=1, seed=1)
    try:
        assert a.code != b.code and P.find_session(a.code.lower()) is a and P.find_session(f" {b.code} ") is b
        li, li2, wang = a.join("Li"), a.join("Li"), a.join("  Wang  ")
        zhao = b.join("Zhao")
        a.submit(li, ["one_form"])
        a.submit(li2, {"rest_rights": True, "merge_workgroups": True, "one_form": False})
        a.submit(wang, [])
        b.submit(zhao, ["one_form"])
        assert P.wait_until(lambda: _done(a, 3) and _done(b, 1), timeout=120)
        board = a.board()
        assert [r["name"] for r in board] == sorted(["Li", "Li 2", "Wang"], key=lambda n: -next(
            r["hours_saved"] for r in board if r["name"] == n))
        assert [r["rank"] for r in board] == [1, 2, 3]
        assert [r["hours_saved"] for r in board] == sorted((r["hours_saved"] for r in board), reverse=True)
        assert next(r for r in board if r["name"] == "Wang")["hours_saved"] == 0.0  # no reform: the baseline
        assert next(r for r in board if r["name"] == "Li 2")["reforms"] == ("merge_workgroups", "rest_rights")
        assert [r["name"] for r in b.board()] == ["Zhao"]  # the other session's board is its own
        # the same package in another seed's township gives another figure: the sessions do not share runs
        one_form_a = next(r for r in board if r["name"] == "Li")["hours_saved"]
        assert b.board()[0]["hours_saved"] != one_form_a
    finally:
        a.close(), b.close()


def test_a_result_on_the_board_is_the_same_as_a_fresh_run():
    s = P.start_session(budget=1, seed=2)
    try:
        me = s.join("Li")
        s.submit(me, ["no_ledger_assessment"])
        assert P.wait_until(lambda: _done(s, 1), timeout=120)
        expected = P.board_row(P.simulate(2, ["no_ledger_assessment"]), P.simulate(2, []))
        row = s.board()[0]
        assert {k: row[k] for k in P.BOARD_KEYS} == expected
        assert expected["hours_saved"] > 0
    finally:
        s.close()


def test_bad_requests_are_refused_with_the_key_and_what_is_allowed():
    with pytest.raises(P.SessionError, match=r"budget: 0; allowed: a whole number from 1 to 5"):
        P.start_session(budget=0)
    with pytest.raises(P.SessionError, match=r"seed: -1; allowed"):
        P.start_session(seed=-1)
    with pytest.raises(P.SessionError, match=r"code: no class session 'NOPE'"):
        P.find_session("nope")
    s = P.start_session(budget=1, seed=0)
    try:
        me = s.join("Li")
        with pytest.raises(P.SessionError, match=r"reforms: 2 chosen; allowed: at most 1"):
            s.submit(me, ["one_form", "rest_rights"])
        with pytest.raises(ConfigError, match=r"reforms: unknown reform 'no_such'"):
            s.submit(me, ["no_such"])
        with pytest.raises(P.SessionError, match=r"student: not in this session"):
            s.submit("someone", ["one_form"])
        assert s.townships[me].status == "choosing"  # nothing refused reached the board
    finally:
        s.close()


@pytest.mark.slow
def test_the_best_package_within_a_budget_of_one_beats_every_single_reform_students_tried():
    """With a budget of 1 the greedy search looks at every single reform: what it reveals saves at least as much
    as any single reform a student submitted, without slowing service by more than the tolerance."""
    s = P.start_session(budget=1, seed=0)
    try:
        students = {name: s.join(name) for name in ("a", "b", "c")}
        for (name, student), reform in zip(students.items(), ("one_form", "rest_rights", "meeting_list"),
                                           strict=True):
            s.submit(student, [reform])
        assert P.wait_until(lambda: _done(s, 3) and not s.searching, timeout=300)
        assert s.best is not None and len(s.best) == 1
        assert s.best_result["service_days_change"] <= P.SERVICE_TOLERANCE_DAYS
        within = [r for r in s.board() if r["service_days_change"] <= P.SERVICE_TOLERANCE_DAYS]
        assert all(s.best_result["hours_saved"] >= r["hours_saved"] for r in within)
        assert not s.revealed
        s.reveal()
        assert s.revealed
    finally:
        s.close()
