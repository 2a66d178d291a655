"""The configuration schema, its range checks, and one way in for every caller.

Values live in ``configs/`` (each with its reason beside it); this file only says what shape and range a value
may take. Hydra checks types and refuses unknown keys inside the schema; :func:`validate` adds what Hydra does not
do: ranges, finiteness, keys added with ``+``, and cross-field rules. Everything that loads a config
(``python -m sim``, sweeps, tests, the classroom app) goes through :func:`load_config` or :func:`validate`, so a
bad value stops before anything is written.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional

import yaml
from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

from .suggest import did_you_mean


class ConfigError(ValueError):
    """A config value is wrong. The message names the key and what is allowed."""


# ---- field helpers: a default of MISSING (the value comes from configs/) plus a range in the metadata ----------

def _f(lo=None, hi=None, lo_open=False, default=MISSING, allowed=None):
    return field(default=default, metadata={"lo": lo, "hi": hi, "lo_open": lo_open, "allowed": allowed})


def prob(default=MISSING):
    """A probability or share, in [0, 1]."""
    return _f(0.0, 1.0, default=default)


def nonneg(default=MISSING):
    """Hours, rates, counts: zero or more."""
    return _f(0.0, default=default)


def positive(default=MISSING):
    return _f(0.0, lo_open=True, default=default)


def at_least(lo, default=MISSING, hi=None):
    return _f(lo, hi, default=default)


# ---- the model's parameters ------------------------------------------------------------------------------------

@dataclass
class ScenarioConfig:
    """A grassroots scenario (townships ... households), or the queueing check `mmc` (servers, rates, warm-up)."""

    name: str = MISSING
    days: int = at_least(1, hi=100_000)  # up to 3,650 for grassroots scenarios (see _check_scenario)
    townships: Optional[int] = at_least(1, default=None)
    villages_per_township: Optional[int] = at_least(1, default=None)
    township_cadres: Optional[int] = at_least(1, default=None)
    village_cadres_per_village: Optional[int] = at_least(1, default=None)
    households_per_township: Optional[int] = at_least(1, default=None)
    servers: Optional[int] = at_least(1, default=None)
    arrival_rate: Optional[float] = positive(default=None)
    service_rate: Optional[float] = positive(default=None)
    warmup_days: float = at_least(0, hi=3650)  # simulated before the `days` that are measured
    replications: Optional[int] = at_least(1, default=None)

    def __post_init__(self) -> None:
        if not _is_complete(self):
            return
        if not str(self.name).strip():
            raise ConfigError("scenario.name: empty; a run needs a scenario name (it names the results folder)")
        _check_scenario(self)


GRASSROOTS_SCENARIO_KEYS = ("townships", "villages_per_township", "township_cadres", "village_cadres_per_village",
                            "households_per_township")
QUEUE_SCENARIO_KEYS = ("servers", "arrival_rate", "service_rate", "replications")


@dataclass
class CalendarConfig:
    start_date: str = MISSING
    workday_hours: float = at_least(1.0, hi=16.0)
    weekday_overtime_cap_hours: float = at_least(0.0, hi=16.0)
    weekend_overtime_cap_hours: float = at_least(0.0, hi=24.0)
    day_off_message_hours: float = at_least(0.0, hi=4.0)
    weekend_catchup_threshold_hours: float = nonneg()


@dataclass
class DepartmentSpec:
    name: str = MISSING
    zh: str = MISSING
    field: str = MISSING
    remit: str = MISSING
    systems: int = at_least(0)


@dataclass
class HierarchyConfig:
    township_liaisons_per_department: int = at_least(1)


@dataclass
class DocumentsConfig:
    per_department_per_week: float = nonneg()
    themes_per_department: int = at_least(1)
    read_hours: float = nonneg()
    relay_to_village_share: float = prob()
    implement_share: float = prob()
    implement_hours: float = nonneg()
    deadline_days: int = at_least(0, hi=30)
    unnecessary_share: float = prob()


@dataclass
class MeetingsConfig:
    per_department_per_week: float = nonneg()
    duration_hours: float = at_least(0.0, hi=8.0)
    travel_hours_county: float = at_least(0.0, hi=8.0)
    travel_hours_township: float = at_least(0.0, hi=8.0)
    village_attendance_share: float = prob()
    lead_days: int = at_least(1, hi=14)
    township_weekly_hours: float = at_least(0.0, hi=8.0)
    topic_groups: int = at_least(1)
    necessary_share: float = prob()
    organiser_hours: float = nonneg()


@dataclass
class DataReportsConfig:
    fields: int = at_least(1, hi=1000)
    fields_per_system: int = at_least(1)
    field_popularity_exponent: float = nonneg()
    requests_per_system_per_week: float = nonneg()
    fields_per_request: int = at_least(1)
    scope_share: float = prob()
    client_share: float = _f(0.0, 1.0, lo_open=True)
    entry_minutes_per_field: float = nonneg()
    form_overhead_hours: float = nonneg()
    compile_hours_per_village: float = nonneg()
    deadline_days: int = at_least(0, hi=30)
    systems_with_memory_share: float = prob()
    field_validity_days: float = positive()
    momentary_field_share: float = prob()


@dataclass
class LedgersConfig:
    upkeep_hours_per_set_per_week: float = nonneg()
    prep_hours_per_inspection: float = nonneg()


@dataclass
class InspectionsConfig:
    per_department_per_year: float = nonneg()
    township_hosts: int = at_least(0)
    hosting_hours: float = at_least(0.0, hi=12.0)
    villages_visited: int = at_least(0)
    inspector_hours: float = nonneg()
    emergency_per_year: float = nonneg()
    finding_probability: float = prob()
    notice_days: int = at_least(1, hi=60)


@dataclass
class ChatConfig:
    groups_per_department: int = at_least(0)
    township_groups: int = at_least(0)
    village_groups: int = at_least(0)
    campaign_groups_per_month: float = nonneg()
    campaign_days: int = at_least(1)
    other_department_membership_township: float = prob()
    other_department_membership_village: float = prob()
    messages_per_group_per_day: float = nonneg()
    read_minutes: float = nonneg()
    action_share: float = prob()
    action_minutes: float = nonneg()
    refocus_minutes: float = nonneg()
    forward_to_township_share: float = prob()
    forward_to_village_share: float = prob()
    evening_share: float = prob()
    late_share: float = prob()
    weekend_volume: float = nonneg()
    urgent_share: float = prob()


@dataclass
class PushedDownConfig:
    per_department_per_week: float = nonneg()
    hours_per_task: float = nonneg()
    deadline_days: int = at_least(0, hi=30)
    core_share: float = prob()
    shared_share: float = prob()
    village_share: float = prob()
    non_autonomous_share: float = prob()
    department_efficiency: float = positive()


@dataclass
class ExtraDutiesConfig:
    campaigns_per_year: float = nonneg()
    campaign_days: int = at_least(1)
    shift_hours: float = at_least(0.0, hi=12.0)
    shifts_per_day_per_township: int = at_least(0)
    registration_hours_per_shift: float = nonneg()
    emergency_share: float = prob()


@dataclass
class ForcedAssignmentsConfig:
    per_month: float = nonneg()
    hours_per_assignment: float = nonneg()
    deadline_days: int = at_least(0, hi=30)
    labour_share: float = prob()


@dataclass
class BlameConfig:
    decay_per_day: float = prob()
    per_overdue_hour: float = nonneg()
    per_finding: float = nonneg()
    incidents_per_village_per_year: float = nonneg()
    objective_share: float = prob()
    per_incident: float = nonneg()
    collective_share: float = prob()
    defensive_hours_per_assessor: float = nonneg()


@dataclass
class AssessmentConfig:
    satisfaction_weight: float = prob()
    service_priority_floor: float = prob()
    satisfaction_standard: float = prob()


@dataclass
class RequestKind:
    share: float = prob()
    hours: float = positive()
    walk_in: bool = MISSING
    limit_days: int = at_least(1, hi=90)
    urgent_share: float = prob()


@dataclass
class ServiceConfig:
    requests_per_household_per_year: float = nonneg()
    kinds: dict[str, RequestKind] = field(default_factory=dict)
    certificate_kinds: int = at_least(1)
    certificate_kinds_required_by_law: int = at_least(0)
    certificate_popularity_exponent: float = nonneg()
    elderly_alone_share: float = prob()
    proactive_visit_hours: float = nonneg()
    proactive_visits_per_year: float = nonneg()
    satisfaction_patience_days: float = positive()
    self_settle_days: float = nonneg()
    self_settle_probability: float = prob()
    organiser_share: float = prob()
    supervised_reply_hours: float = nonneg()


TIES_STRUCTURES = ("small_world", "random")


@dataclass
class ResidentsConfig:
    ties_per_household: int = at_least(0)
    ties_structure: str = _f(allowed=TIES_STRUCTURES)
    ties_rewire: float = prob()
    patience_shape: float = positive()
    escalation_propensity: float = prob()
    give_up_share: float = prob()
    hotline_word_of_mouth: float = prob()
    hotline_memory_days: float = positive()
    word_of_mouth_weight: float = prob()

    def __post_init__(self) -> None:
        if _is_complete(self) and self.ties_structure not in TIES_STRUCTURES:
            raise ConfigError(f"residents.ties_structure = {self.ties_structure!r}: expected one of "
                              f"{', '.join(TIES_STRUCTURES)}")


@dataclass
class FatigueConfig:
    strain_per_overtime_hour: float = nonneg()
    recovery_per_day: float = prob()
    recovery_per_day_off: float = prob()
    productivity_loss: float = nonneg()
    burnout_threshold: float = prob()


@dataclass
class DepartmentHoursConfig:
    drafting_hours_per_document: float = nonneg()
    data_pool_hours_per_week: float = nonneg()
    survey_minutes_per_household: float = nonneg()
    verification_minutes: float = nonneg()
    hotline_minutes_per_request: float = nonneg()
    staff_hours_per_shift_share: float = nonneg()


@dataclass
class ReboundConfig:
    """How departments respond to what reforms make cheap (configs/rebound/)."""

    name: str = MISSING
    elasticity: float = prob()   # <= 1: rebound never brings a channel's cost back above what it was
    lag_days: float = at_least(1.0, hi=3650.0)


# ---- the reforms: a key present under `reform` switches its lever on; its fields are the lever's settings -----

@dataclass
class Reform:
    """What every reform has: who applies it and how long they keep to it (sim/model/fidelity.py)."""

    compliance: float = prob()                   # share of its departments or townships that apply it
    backsliding: float = at_least(0.0, hi=52.0)  # yearly hazard that a unit applying it lapses until the review


@dataclass
class MergeDocuments(Reform):
    merge_window_days: int = at_least(1, hi=90)
    cut_unnecessary: bool = MISSING


@dataclass
class MeetingList(Reform):
    joint_meetings: bool = MISSING
    cut_unnecessary: bool = MISSING
    max_duration_hours: float = positive()


@dataclass
class NoLedgerAssessment(Reform):
    fields: list[str] = field(default_factory=list)
    visited_households_per_assessment: int = at_least(0)


@dataclass
class MergeWorkgroups(Reform):
    fold_campaign_groups: bool = MISSING
    deduplicate_crossposts: bool = MISSING


@dataclass
class NoInstantReply(Reform):
    batches_per_day: int = at_least(1, hi=24)
    residual_action_share: float = prob()


@dataclass
class SharedDataPool(Reform):
    departments: list[str] = field(default_factory=list)
    field_share: float = prob()


@dataclass
class ResponsibilityList(Reform):
    refuse_returned: bool = MISSING


@dataclass
class NoBlameShifting(Reform):
    cadre_share_of_shared: float = prob()


@dataclass
class ResourcesFollowTasks(Reform):
    staffed_share: float = prob()


@dataclass
class SingleAssessor(Reform):
    max_per_year: int = at_least(1, hi=365)


@dataclass
class SatisfactionAssessment(Reform):
    weight: float = prob()
    sample_share: float = prob()


@dataclass
class FaultTolerance(Reform):
    forgiven_overdue_share: float = prob()


@dataclass
class CertificateNegativeList(Reform):
    verifiable_share: float = prob()


@dataclass
class StripNonAutonomous(Reform):
    return_errands: bool = MISSING
    return_labour: bool = MISSING


@dataclass
class SelfOrganization(Reform):
    organiser_share: float = prob()


@dataclass
class OneForm(Reform):
    form_overhead_hours: float = nonneg()
    compile_hours: float = nonneg()


@dataclass
class ScanCodeRegistration(Reform):
    residual_registration_share: float = prob()


@dataclass
class BanForcedAssignments(Reform):
    residual_share: float = prob()


@dataclass
class PreciseAccountability(Reform):
    collective_share: float = prob()


@dataclass
class RestRights(Reform):
    min_days_off_per_week: int = at_least(1, hi=2)


@dataclass
class ReformsConfig:
    merge_documents: Optional[MergeDocuments] = None
    meeting_list: Optional[MeetingList] = None
    no_ledger_assessment: Optional[NoLedgerAssessment] = None
    merge_workgroups: Optional[MergeWorkgroups] = None
    no_instant_reply: Optional[NoInstantReply] = None
    shared_data_pool: Optional[SharedDataPool] = None
    responsibility_list: Optional[ResponsibilityList] = None
    no_blame_shifting: Optional[NoBlameShifting] = None
    resources_follow_tasks: Optional[ResourcesFollowTasks] = None
    single_assessor: Optional[SingleAssessor] = None
    satisfaction_assessment: Optional[SatisfactionAssessment] = None
    fault_tolerance: Optional[FaultTolerance] = None
    certificate_negative_list: Optional[CertificateNegativeList] = None
    strip_non_autonomous: Optional[StripNonAutonomous] = None
    self_organization: Optional[SelfOrganization] = None
    one_form: Optional[OneForm] = None
    scan_code_registration: Optional[ScanCodeRegistration] = None
    ban_forced_assignments: Optional[BanForcedAssignments] = None
    precise_accountability: Optional[PreciseAccountability] = None
    rest_rights: Optional[RestRights] = None

    def enabled(self) -> list[str]:
        """The reforms switched on, in the canonical order of REFORM_NAMES."""
        return [f.name for f in dataclasses.fields(self) if getattr(self, f.name) is not None]


REFORM_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ReformsConfig))


@dataclass
class Config:
    seed: int = at_least(0, hi=2**63 - 1)
    out_dir: Optional[str] = None
    scenario: ScenarioConfig = MISSING
    calendar: CalendarConfig = MISSING
    departments: list[DepartmentSpec] = MISSING
    hierarchy: HierarchyConfig = MISSING
    documents: DocumentsConfig = MISSING
    meetings: MeetingsConfig = MISSING
    data_reports: DataReportsConfig = MISSING
    ledgers: LedgersConfig = MISSING
    inspections: InspectionsConfig = MISSING
    chat: ChatConfig = MISSING
    pushed_down: PushedDownConfig = MISSING
    extra_duties: ExtraDutiesConfig = MISSING
    forced_assignments: ForcedAssignmentsConfig = MISSING
    blame: BlameConfig = MISSING
    assessment: AssessmentConfig = MISSING
    service: ServiceConfig = MISSING
    residents: ResidentsConfig = MISSING
    fatigue: FatigueConfig = MISSING
    department_hours: DepartmentHoursConfig = MISSING
    rebound: ReboundConfig = MISSING
    reform: ReformsConfig = field(default_factory=ReformsConfig)

    def __post_init__(self) -> None:
        # OmegaConf.to_object builds the typed config only once every value is present, so this runs on
        # complete configs: the rules that tie several keys together live here, beside the schema
        if _is_complete(self):
            _cross_checks(self)


ConfigStore.instance().store(name="base_config", node=Config)


def _is_complete(obj) -> bool:
    """False while a dataclass still holds OmegaConf's MISSING marker (Hydra builds defaults that way)."""
    return not any(getattr(obj, f.name) == MISSING for f in dataclasses.fields(obj))


# ---- validation ---------------------------------------------------------------------------------------------

def _describe_range(meta) -> str:
    lo, hi, lo_open = meta["lo"], meta["hi"], meta["lo_open"]
    if lo is not None and hi is not None:
        return f"a number from {lo} to {hi}"
    if lo is not None:
        return f"a number {'>' if lo_open else '>='} {lo}"
    return f"a number <= {hi}"


def _check_value(key: str, value: Any, meta) -> None:
    if meta.get("lo") is None and meta.get("hi") is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{key} = {value!r}: expected {_describe_range(meta)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{key} = {value}: expected a finite value, {_describe_range(meta)}")
    lo, hi, lo_open = meta["lo"], meta["hi"], meta["lo_open"]
    if lo is not None and (value < lo or (lo_open and value <= lo)):
        raise ConfigError(f"{key} = {value}: out of range, expected {_describe_range(meta)}")
    if hi is not None and value > hi:
        raise ConfigError(f"{key} = {value}: out of range, expected {_describe_range(meta)}")


def _walk(schema_type, node, prefix: str) -> None:
    """Check `node` against the dataclass `schema_type`: no unknown keys, every range respected."""
    fields = {f.name: f for f in dataclasses.fields(schema_type)}
    keys = list(node.keys()) if isinstance(node, (dict, DictConfig)) else []
    for key in keys:
        if key not in fields:
            raise ConfigError(
                f"{prefix}{key}: unknown key;{did_you_mean(key, fields)} allowed keys under "
                f"'{prefix.rstrip('.') or 'the top level'}': {', '.join(sorted(fields))}"
            )
    for name, f in fields.items():
        key = f"{prefix}{name}"
        value = node.get(name) if hasattr(node, "get") else None
        if value is None:
            continue
        ftype = _resolve_type(schema_type, name)
        if dataclasses.is_dataclass(ftype):
            _walk(ftype, value, key + ".")
        elif _is_list_of_dataclass(ftype):
            item_type = ftype.__args__[0]
            for i, item in enumerate(value):
                _walk(item_type, item, f"{key}[{i}].")
        elif _is_dict_of_dataclass(ftype):
            item_type = ftype.__args__[1]
            for k, item in value.items():
                _walk(item_type, item, f"{key}.{k}.")
        else:
            _check_value(key, value, f.metadata)


@functools.cache
def _type_hints(cls) -> dict:
    # the schema's classes are fixed once imported: their annotations (strings, under `from __future__ import
    # annotations`) are evaluated once, not for every field of every check (~50 ms of each config's check)
    return typing.get_type_hints(cls)


def _resolve_type(cls, name):
    t = _type_hints(cls)[name]
    origin = typing.get_origin(t)
    if origin is typing.Union:  # Optional[X] -> X
        args = [a for a in typing.get_args(t) if a is not type(None)]
        t = args[0]
    return t


def _is_list_of_dataclass(t) -> bool:
    return typing.get_origin(t) is list and dataclasses.is_dataclass(typing.get_args(t)[0])


def _is_dict_of_dataclass(t) -> bool:
    return typing.get_origin(t) is dict and dataclasses.is_dataclass(typing.get_args(t)[1])


def _check_scenario(sc) -> None:
    needed, foreign = ((QUEUE_SCENARIO_KEYS, GRASSROOTS_SCENARIO_KEYS) if sc.name == "mmc"
                       else (GRASSROOTS_SCENARIO_KEYS, QUEUE_SCENARIO_KEYS))
    for key in needed:
        if getattr(sc, key) is None:
            raise ConfigError(f"scenario.{key}: no value given; a '{sc.name}' scenario needs {', '.join(needed)}")
    for key in foreign:
        if getattr(sc, key) is not None:
            raise ConfigError(f"scenario.{key}: not a key of a '{sc.name}' scenario; its keys: {', '.join(needed)}")
    if sc.name != "mmc" and sc.days > 3650:
        raise ConfigError(f"scenario.days = {sc.days}: out of range, expected a number from 1 to 3650 (ten years)")
    if sc.name != "mmc" and sc.warmup_days != int(sc.warmup_days):
        raise ConfigError(f"scenario.warmup_days = {sc.warmup_days}: expected a whole number of days")
    if sc.name == "mmc" and sc.arrival_rate >= sc.servers * sc.service_rate:
        raise ConfigError(
            f"scenario.arrival_rate = {sc.arrival_rate}: the queue is unstable; it must be below "
            f"scenario.servers x scenario.service_rate = {sc.servers * sc.service_rate}")


def _cross_checks(cfg) -> None:
    """Rules over several sections (the scenario's own rules ran when it was built)."""
    if cfg.scenario.name == "mmc":
        return
    names = [d.name for d in cfg.departments]
    if not names:
        raise ConfigError("departments: empty. At least one county department is needed.")
    if len(set(names)) != len(names):
        raise ConfigError(f"departments: duplicate names in {names}")
    kinds = cfg.service.kinds
    expected_kinds = {"certificate", "allowance", "dispute", "care_visit", "consultation"}
    if set(kinds) != expected_kinds:
        raise ConfigError(
            f"service.kinds: has {sorted(kinds)}; exactly these request kinds are modelled: {sorted(expected_kinds)}"
        )
    total = sum(k.share for k in kinds.values())
    if abs(total - 1.0) > 1e-6:
        raise ConfigError(f"service.kinds.*.share: the shares add up to {total:.4f}; they must add up to 1")
    if cfg.service.certificate_kinds_required_by_law > cfg.service.certificate_kinds:
        raise ConfigError(
            "service.certificate_kinds_required_by_law: "
            f"{cfg.service.certificate_kinds_required_by_law} is more than service.certificate_kinds "
            f"({cfg.service.certificate_kinds})"
        )
    if cfg.pushed_down.core_share + cfg.pushed_down.shared_share > 1.0 + 1e-9:
        raise ConfigError("pushed_down.core_share + pushed_down.shared_share: must not exceed 1")
    if cfg.chat.evening_share + cfg.chat.late_share > 1.0 + 1e-9:
        raise ConfigError("chat.evening_share + chat.late_share: must not exceed 1")
    if cfg.data_reports.scope_share > cfg.data_reports.client_share:
        raise ConfigError("data_reports.scope_share: must not exceed data_reports.client_share")
    if cfg.data_reports.fields_per_request > cfg.data_reports.fields_per_system:
        raise ConfigError("data_reports.fields_per_request: must not exceed data_reports.fields_per_system")
    if cfg.data_reports.fields_per_system > cfg.data_reports.fields:
        raise ConfigError("data_reports.fields_per_system: must not exceed data_reports.fields")
    if cfg.hierarchy.township_liaisons_per_department > cfg.scenario.township_cadres:
        raise ConfigError(
            f"hierarchy.township_liaisons_per_department: {cfg.hierarchy.township_liaisons_per_department} is more "
            f"than scenario.township_cadres ({cfg.scenario.township_cadres})"
        )
    try:
        date.fromisoformat(str(cfg.calendar.start_date))
    except ValueError:
        raise ConfigError(f"calendar.start_date = {cfg.calendar.start_date!r}: expected a date as YYYY-MM-DD") from None
    fields_known = {d.field for d in cfg.departments}
    reform = cfg.reform
    if reform.no_ledger_assessment is not None:
        for f in reform.no_ledger_assessment.fields:
            if f not in fields_known:
                raise ConfigError(
                    f"reform.no_ledger_assessment.fields: unknown field {f!r}; allowed: {sorted(fields_known)}"
                )
    if reform.shared_data_pool is not None:
        for d in reform.shared_data_pool.departments:
            if d not in names:
                raise ConfigError(f"reform.shared_data_pool.departments: unknown department {d!r}; allowed: {names}")


def validate(cfg) -> Config:
    """Check a composed config (a DictConfig or a plain dict) and return it typed, as a :class:`Config`.

    Raises :class:`ConfigError` naming the first bad key. A :class:`Config` is only ever made here, so holding one
    means the config was checked: the model, the runners and the views take it as it is.
    """
    if isinstance(cfg, Config):
        return cfg
    container = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False) if isinstance(cfg, DictConfig) \
        else dict(cfg)
    container.pop("hydra", None)
    # what Hydra composed over the schema (``base_config``) is typed by it already: merged into it again, it would
    # come out the same, at a fifth of a config's check
    composed = isinstance(cfg, DictConfig) and OmegaConf.get_type(cfg) is Config and "hydra" not in cfg
    try:
        _walk(Config, container, "")
        typed = cfg if composed else OmegaConf.merge(OmegaConf.structured(Config), container)
    except ConfigError:
        raise
    except Exception as exc:  # omegaconf type errors: reduce to one line naming the key
        raise ConfigError(_one_line(exc)) from None
    missing = sorted(OmegaConf.missing_keys(typed))
    if missing:
        raise ConfigError(f"{missing[0]}: no value given (and no default exists)")
    return OmegaConf.to_object(typed)  # runs the cross-checks in Config.__post_init__


def with_seed(cfg: Config, seed: int) -> Config:
    """The same checked config with another seed (the seed's range is checked like any value)."""
    _check_value("seed", seed, {f.name: f for f in dataclasses.fields(Config)}["seed"].metadata)
    return dataclasses.replace(cfg, seed=int(seed))


def with_values(cfg: Config, values: Mapping[str, Any]) -> Config:
    """The same checked config with some of its numbers replaced, by dotted key (``{"rebound.elasticity": 0.3}``):
    what composing it again with the overrides ``key=value`` gives (a test checks), without composing, so that a
    sweep over a design of thousands of points does not pay Hydra's ~0.2 s for each. Each value is checked as an
    override of it would be (its key, its type, its range; then the cross-checks of the parts it changes)."""
    for key, value in values.items():
        cfg = _replace_at(cfg, str(key).split("."), value, str(key))
    return cfg


def _replace_at(node, path: list[str], value, key: str):
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        if head not in node:
            raise ConfigError(f"{key}: unknown key; allowed under '{key.rsplit('.', len(path))[0]}': "
                              f"{', '.join(sorted(node))}")
        return {**node, head: _replace_at(node[head], rest, value, key)} if rest else _bad_leaf(key)
    if not dataclasses.is_dataclass(node):
        raise ConfigError(f"{key}: '{head}' is not a key of a number")
    fields = {f.name: f for f in dataclasses.fields(node)}
    if head not in fields:
        raise ConfigError(f"{key}: unknown key;{did_you_mean(head, fields)} allowed: {', '.join(sorted(fields))}")
    if rest:
        return dataclasses.replace(node, **{head: _replace_at(getattr(node, head), rest, value, key)})
    ftype = _resolve_type(type(node), head)
    if hasattr(value, "item") and not isinstance(value, (list, tuple)):
        value = value.item()  # a numpy number, as a design gives it
    if ftype is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = float(value)
    elif not (ftype in (int, float) and type(value) is ftype):
        kind = getattr(ftype, "__name__", str(ftype))
        raise ConfigError(f"{key} = {value!r}: expected a number of type {kind}" if ftype in (int, float)
                          else f"{key}: a {kind}, not a number; set it with an override")
    _check_value(key, value, fields[head].metadata)
    return dataclasses.replace(node, **{head: value})  # runs the part's own cross-checks (__post_init__)


def _bad_leaf(key: str):
    raise ConfigError(f"{key}: a group of settings, not a number")


_DUMPER = getattr(yaml, "CDumper", yaml.Dumper)   # yaml.Dumper's representer, with libyaml's emitter if built


def to_yaml(cfg: Config) -> str:
    """The fully resolved config as YAML (what a run folder's config.yaml holds): what ``OmegaConf.to_yaml`` writes
    for it, text for text (a test checks), made from the plain dataclasses: a sixth of the time, and a sweep writes
    one per run. libyaml's emitter, where PyYAML has it, writes the same text in a sixth of the time again."""
    return yaml.dump(dataclasses.asdict(cfg), Dumper=_DUMPER, sort_keys=False, allow_unicode=True,
                     default_flow_style=False)


def seeded_yaml(config_yaml: str, seed: int) -> str:
    """``to_yaml(with_seed(cfg, seed))`` made from ``to_yaml(cfg)``: the seed is a config's first key, so its line
    is the text's first (a test checks, for every variant). A sweep's runs of one variant differ only there, so a
    job writes the variant's text once and each run's from it (~4 ms a run)."""
    head, _, rest = config_yaml.partition("\n")
    if not head.startswith("seed: "):
        raise ValueError("seeded_yaml: the text does not begin with a config's seed (to_yaml's first line)")
    return f"seed: {int(seed)}\n{rest}"


def _one_line(exc: Exception) -> str:
    msg = str(exc).strip().splitlines()
    key = getattr(exc, "full_key", None)
    head = msg[0] if msg else type(exc).__name__
    return f"{key}: {head}" if key and key not in head else head


def enabled_reforms(cfg) -> list[str]:
    """The reforms switched on in a config (typed or composed), in the canonical order of REFORM_NAMES."""
    reform = cfg.reform if hasattr(cfg, "reform") else cfg.get("reform")
    return [name for name in REFORM_NAMES if reform is not None and getattr(reform, name, None) is not None]
