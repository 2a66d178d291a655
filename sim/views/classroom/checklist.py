"""The 20 reforms as checkboxes, grouped by the source's six sections: the explorer's switches and a student's
choice in a class session are the same list."""

from __future__ import annotations

from collections.abc import Callable, Collection

import solara

from sim.views.labels import REFORM_LABELS, SECTION_NAMES, SECTIONS

from .texts import pick


@solara.component
def ReformChecklist(on: Collection[str], on_toggle: Callable[[str, bool], None], lang: str,
                    full: bool = False):
    """A checkbox per reform, ticked for those in `on`; `on_toggle(name, ticked)` on a click. `full`: no more may be
    ticked (a budget is spent), so the unticked ones are greyed."""
    for i, (section, (_zh, _en, names)) in enumerate(zip(SECTION_NAMES, SECTIONS, strict=True)):
        solara.Text(f"{i + 1} {pick(SECTION_NAMES[section], lang)}",
                    style="display: block; margin-top: 6px; font-weight: bold; font-size: 0.9em")
        for name in names:
            solara.v.Checkbox(label=pick(REFORM_LABELS[name], lang), v_model=name in on,
                              on_v_model=lambda ticked, name=name: on_toggle(name, bool(ticked)),
                              disabled=full and name not in on, dense=True, hide_details=True, class_="ma-0 pa-0")
