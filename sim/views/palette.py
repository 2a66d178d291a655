"""The colours the report and the classroom app share, so that one thing has one colour wherever a reader meets it.

Only colours that carry meaning live here (an activity, a section, a variant, better / worse); the styling of a
single figure (edges, markers of the network drawing, colour scales) stays with that figure.
"""

from __future__ import annotations

from ..model.workload import ACTIVITIES

# Twelve distinct colours, one per activity: plotly's default cycle has ten, so two activities would share one.
# Serving residents is the only green, to stand apart from the admin work stacked under it.
ACTIVITY_COLOURS: dict[str, str] = dict(zip(ACTIVITIES, [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
    "#ff9da7", "#9c755f", "#bab0ac", "#17becf", "#d37295", "#59a14f",
], strict=True))

# The source's six sections, keyed by their package name (configs/package/<name>.yaml): plotly's first six
# default colours, a set readers already know, distinct from each other and from the two variant colours below.
SECTION_COLOURS: dict[str, str] = {
    "cut_useless_work": "#1f77b4",
    "draw_responsibility_lines": "#ff7f0e",
    "fix_assessment": "#2ca02c",
    "self_government": "#d62728",
    "technology": "#9467bd",
    "untie_cadres": "#8c564b",
}

# Where the gross hours a reform removed went (sim.experiments.decompose): the two parts that make the net saving
# green (serving residents the activity chart's green, rest a lighter one), the parts that eat the saving warm
# (paperwork the defensive-paperwork activity's pink), the remainder grey; work moved up to the county apart.
DECOMPOSITION_COLOURS: dict[str, str] = {
    "given_back_as_rest": "#8cd17d",
    "reinvested_in_residents": ACTIVITY_COLOURS["service"],
    "absorbed_by_rebound": "#e15759",
    "kept_as_paperwork": ACTIVITY_COLOURS["defensive_paperwork"],
    "lost_to_fatigue": "#f28e2b",
    "other_responses": "#bab0ac",
    "moved_up_to_county": "#79706e",
}

# The two reference variants are drawn in neutral tones so that no section's colour is mistaken for them:
# the baseline grey, all reforms together near-black.
BASELINE_COLOUR = "#7f7f7f"
ALL_REFORMS_COLOUR = "#111111"
# a variant that belongs to no section (a pair of reforms, a dose of one)
OTHER_VARIANT_COLOUR = "#17becf"

# The classroom's two twin townships, and a change for the better or the worse: green and red, as a class reads
# them at a glance.
WITH_REFORMS_COLOUR = "#2ca02c"
WITHOUT_REFORMS_COLOUR = "#d62728"
BETTER_COLOUR = "#2ca02c"
WORSE_COLOUR = "#d62728"
