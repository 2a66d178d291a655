"""The participatory mode's pages: the teacher's (start a session, the board, reveal the best package) and the
student's (join with the code, choose reforms within the budget, submit, the board). The sessions themselves are
in ``participatory.py``; every open page follows its session's changes live (it checks twice a second)."""

from __future__ import annotations

import math
import threading
from html import escape

import solara

from sim.config import REFORM_NAMES
from sim.views.labels import REFORM_LABELS

from .checklist import ReformChecklist
from .participatory import MAX_BUDGET, SERVICE_TOLERANCE_DAYS, ClassSession, SessionError, find_session, start_session
from .texts import pick, tr

POLL_S = 0.5


def use_session_version(session: ClassSession) -> int:
    """Re-render whenever the session changes (a join, a result, the reveal), whoever changed it: one poller per
    page, in the view at its top."""
    version, set_version = solara.use_state(session.version)
    seen = solara.use_ref(session.version)

    def poll(cancel: threading.Event):
        while not cancel.wait(POLL_S):
            if session.version != seen.current:
                seen.current = session.version
                set_version(session.version)

    solara.use_thread(poll, dependencies=[session])
    return version


def package_names(reforms, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(pick(REFORM_LABELS[r], lang) for r in reforms) or \
        tr("no_reforms", lang)


def board_html(session: ClassSession, lang: str, me: str | None = None) -> str:
    """The class board as an HTML table, ranked; the viewer's own row in bold."""
    def num(x, spec):
        return "–" if not math.isfinite(x) else format(x, spec)

    head = "".join(f"<th>{escape(tr(k, lang))}</th>" for k in ("col_rank", "col_name", "col_reforms", "col_saved",
                                                                  "col_service", "col_moved", "col_status"))
    rows = []
    for r in session.board():
        cells = [str(r["rank"] or ""), r["name"], package_names(r["reforms"], lang), num(r["hours_saved"], "+.2f"),
                 num(r["service_days_change"], "+.2f"), num(r["moved_up_hours"], "+.2f"),
                 tr(f"status_{r['status']}", lang)]
        style = " style='font-weight: bold'" if r["student"] == me else ""
        rows.append(f"<tr{style}>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    return (f"<b>{escape(tr('board_title', lang))}</b><table class='class-board'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


@solara.component
def Board(session: ClassSession, lang: str, version: int, me: str | None = None):
    """The board as of the session's `version` (its view polls; the board follows)."""
    solara.HTML(tag="div", unsafe_innerHTML=board_html(session, lang, me), style="font-size: 0.9em")
    if session.revealed and session.best is not None:
        solara.Success(tr("best", lang, tolerance=SERVICE_TOLERANCE_DAYS, names=package_names(session.best, lang),
                          saved=session.best_result["hours_saved"],
                          service=session.best_result["service_days_change"]))


@solara.component
def TeacherView(session: ClassSession, lang: str):
    version = use_session_version(session)
    with solara.Column():
        solara.Text(tr("session_header", lang, code=session.code, budget=session.budget, n=len(session.townships)),
                    style="font-size: 1.4em; font-weight: bold")
        solara.Text(tr("share_code", lang, code=session.code))
        Board(session, lang, version)
        if session.searching:
            solara.Info(tr("searching", lang))
        elif not session.revealed:
            solara.Button(tr("reveal", lang), color="primary", on_click=session.reveal)


@solara.component
def StudentView(session: ClassSession, student: str, lang: str):
    version = use_session_version(session)
    me = session.townships[student]
    chosen, set_chosen = solara.use_state(me.reforms)
    with solara.Column():
        solara.Text(tr("session_header", lang, code=session.code, budget=session.budget, n=len(session.townships)),
                    style="font-weight: bold")
        solara.Text(tr("you_head", lang, name=me.name))
        with solara.Card(tr("choose_up_to", lang, budget=session.budget, n=len(chosen))):
            def toggle(name: str, on: bool):
                set_chosen(tuple(r for r in REFORM_NAMES if (r in chosen and r != name) or (on and r == name)))

            ReformChecklist(chosen, toggle, lang, full=len(chosen) >= session.budget)
            solara.Button(tr("submit", lang), color="primary", on_click=lambda: session.submit(student, chosen),
                          disabled=me.status == "running", style="margin-top: 8px")
        Board(session, lang, version, me=student)


@solara.component
def Lobby(on_teacher, on_student, lang: str):
    budget, set_budget = solara.use_state(3)
    code, set_code = solara.use_state("")
    name, set_name = solara.use_state("")
    error, set_error = solara.use_state(None)

    def join():
        try:
            session = find_session(code)
        except SessionError:
            set_error(tr("no_session", lang, code=code.strip().upper()))
            return
        on_student(session, session.join(name))

    with solara.Columns([1, 1]):
        with solara.Card(tr("teacher_card", lang)):
            solara.SliderInt(label=f"{tr('budget', lang)}: {budget}", value=budget, on_value=set_budget, min=1,
                             max=MAX_BUDGET)
            solara.Button(tr("start", lang), color="primary", on_click=lambda: on_teacher(start_session(budget)))
        with solara.Card(tr("student_card", lang)):
            solara.InputText(tr("code_label", lang), value=code, on_value=set_code, continuous_update=True)
            solara.InputText(tr("name_label", lang), value=name, on_value=set_name, continuous_update=True)
            solara.Button(tr("join", lang), color="primary", on_click=join, disabled=not code.strip())
            if error:
                solara.Error(error)


@solara.component
def ClassPage(lang: str):
    """The class session: the lobby, then the teacher's or the student's view (kept per browser tab)."""
    seat, set_seat = solara.use_state(None)  # ("teacher", session) or ("student", session, student id)
    if seat is None:
        Lobby(lambda s: set_seat(("teacher", s)), lambda s, student: set_seat(("student", s, student)), lang)
    elif seat[0] == "teacher":
        TeacherView(seat[1], lang)
    else:
        StudentView(seat[1], seat[2], lang)
    if seat is not None:
        solara.Button(tr("leave", lang), text=True, on_click=lambda: set_seat(None))
