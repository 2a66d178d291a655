"""Short Chinese and English labels for the 20 reforms and the source's six sections.

One place for the names a reader sees: the classroom app's switches and the report's tables both read these, so a
reform is called the same thing everywhere. Keys are the canonical names of ``sim.config.REFORM_NAMES``. Which
reforms a section holds is not repeated here: it is read from the section's bundle in ``configs/package/``.
"""

from __future__ import annotations

from ..config import package_reforms
from ..model.workload import ACTIVITIES

# name -> (Chinese, English)
REFORM_LABELS: dict[str, tuple[str, str]] = {
    # 1 cut useless work
    "merge_documents": ("合并文件", "merge documents"),
    "meeting_list": ("会议清单管理", "meeting list"),
    "no_ledger_assessment": ("无台账考核", "no-ledger assessment"),
    "merge_workgroups": ("整合工作群", "merge work groups"),
    "no_instant_reply": ("不要求秒回", "no instant replies"),
    "shared_data_pool": ("数据共享池", "shared data pool"),
    # 2 draw responsibility lines
    "responsibility_list": ("基层权责清单", "responsibility list"),
    "no_blame_shifting": ("严禁责任甩锅", "no blame shifting"),
    "resources_follow_tasks": ("权随责走费随事转", "resources follow tasks"),
    # 3 fix the assessment baton
    "single_assessor": ("谁主管谁考核", "one assessor per field"),
    "satisfaction_assessment": ("群众打分占大头", "residents' satisfaction counts most"),
    "fault_tolerance": ("容错", "fault tolerance"),
    # 4 give self-government back
    "certificate_negative_list": ("证明事项负面清单", "certificate negative list"),
    "strip_non_autonomous": ("剥离非自治事务", "strip non-autonomous tasks"),
    "self_organization": ("培育群众自组织", "foster self-organisation"),
    # 5 technology runs the errands
    "one_form": ("基层一张表", "one form"),
    "scan_code_registration": ("扫码替代登记", "scan-a-code registration"),
    # 6 untie the cadres
    "ban_forced_assignments": ("禁止强制摊派", "ban forced assignments"),
    "precise_accountability": ("问责要精准", "precise accountability"),
    "rest_rights": ("保障休息权", "rest rights"),
}

# the source's six sections, in its order: package name (configs/package/<name>.yaml) -> (Chinese, English)
SECTION_NAMES: dict[str, tuple[str, str]] = {
    "cut_useless_work": ("砍掉无效事务", "Cut useless work"),
    "draw_responsibility_lines": ("划清权责边界", "Draw responsibility lines"),
    "fix_assessment": ("优化考核指挥棒", "Fix the assessment baton"),
    "self_government": ("赋能基层自治", "Give self-government back"),
    "technology": ("技术替人跑腿", "Technology runs the errands"),
    "untie_cadres": ("给基层干部松绑", "Untie the cadres"),
}

# every variant name a comparison shows: the reforms, the baseline, the full bundle and the section bundles (a
# robustness experiment's policies), a bundle named "section: <name>"
VARIANT_LABELS: dict[str, tuple[str, str]] = {
    "baseline": ("基线", "baseline"),
    "all_reforms": ("全部改革", "all reforms"),
    **REFORM_LABELS,
    **{name: (f"板块：{zh}", f"section: {en.lower()}") for name, (zh, en) in SECTION_NAMES.items()},
}

# (Chinese, English, [reform names]) per section, in the source's order; which reforms a section holds is read
# from its Hydra package, the one place that declares it
SECTIONS: list[tuple[str, str, list[str]]] = [
    (zh, en, package_reforms(name)) for name, (zh, en) in SECTION_NAMES.items()
]

# the workload activities of sim.model.workload.ACTIVITIES: name -> (Chinese, English)
ACTIVITY_LABELS: dict[str, tuple[str, str]] = {
    "documents": ("文件", "documents"),
    "meetings": ("会议", "meetings"),
    "data_reports": ("填表报数", "data reports"),
    "ledgers": ("台账", "ledgers"),
    "inspections": ("检查考核", "inspections"),
    "chat": ("工作群", "chat groups"),
    "certificates": ("开证明", "certificates"),
    "pushed_down": ("属地管理", "pushed-down duties"),
    "extra_duties": ("额外值守", "extra duties"),
    "forced_assignments": ("摊派", "forced assignments"),
    "defensive_paperwork": ("留痕材料", "defensive paperwork"),
    "service": ("服务群众", "service to residents"),
}
assert tuple(ACTIVITY_LABELS) == ACTIVITIES

# residents' service outcomes the report sets against the baseline (summary keys of sim.model.outputs):
# name -> (Chinese, English); the 7 and 15 days are the 12345 limits for general and complex requests
SERVICE_MEASURE_LABELS: dict[str, tuple[str, str]] = {
    "resolved_within_7d_share": ("7 天内办结的比例", "share resolved within 7 days"),
    "resolved_within_15d_share": ("15 天内办结的比例", "share resolved within 15 days"),
    "abandoned_share": ("群众放弃的比例", "share abandoned by residents"),
    "escalations_per_1000_households": ("拨打 12345 的次数", "calls to the 12345 hotline"),
}

# where the gross hours a reform removed went (sim.experiments.decompose): its six parts, which add up to the
# gross, and the figures beside them: part -> (Chinese, English)
DECOMPOSITION_LABELS: dict[str, tuple[str, str]] = {
    "absorbed_by_rebound": ("被部门反弹吸收", "absorbed by departments' rebound"),
    "kept_as_paperwork": ("转成留痕材料和隐形台账", "kept as paperwork and shadow ledgers"),
    "lost_to_fatigue": ("因疲劳损耗", "lost to fatigue"),
    "reinvested_in_residents": ("用于服务群众", "reinvested in serving residents"),
    "given_back_as_rest": ("还给干部休息", "given back as rest"),
    "other_responses": ("其他变化", "other responses"),
    "gross_removed": ("改革减掉的小时（毛）", "gross hours removed"),
    "net_saved": ("净节省的事务小时", "net admin hours saved"),
    "moved_up_to_county": ("上移到县级部门", "moved up to county departments"),
}

# the days simulated before calendar.start_date so that queues fill; every summary figure leaves them out
WARMUP_LABEL: tuple[str, str] = ("预热期（不计入结果）", "warm-up 预热期 (not measured)")


# config keys a chart's axis names (the swept lever of dose_response and compliance, the parameters of sensitivity),
# in both languages; a key not listed is shown as it is, and a reform's compliance is named after the reform
PARAMETER_LABELS: dict[str, tuple[str, str]] = {
    "reform.single_assessor.max_per_year": ("每个乡镇每年最多接受的考核次数",
                                            "assessments a township may receive a year"),
    "chat.messages_per_group_per_day": ("每个工作群每天的消息数", "messages a work group a day"),
    "meetings.duration_hours": ("一次会议的小时数", "hours a meeting"),
    "data_reports.entry_minutes_per_field": ("录入一户一个字段的分钟数", "minutes to type one household field"),
    "service.requests_per_household_per_year": ("每户每年的诉求数", "requests a household a year"),
    "ledgers.upkeep_hours_per_set_per_week": ("一套台账每周的维护小时", "upkeep hours a ledger set a week"),
    "blame.per_incident": ("一起事件带来的问责风险", "blame risk an incident brings"),
    # the uncertainties of calibration and robustness (experiments/calibrate.yaml, sim.experiments.ema)
    "data_reports.form_overhead_hours": ("每张表的固定小时（表头、核对、上报）", "fixed hours a form takes"),
    "data_reports.compile_hours_per_village": ("乡镇汇总一个村的小时", "hours to compile one village's return"),
    "chat.groups_per_department": ("每个部门的工作群数", "work groups a department runs"),
    "chat.other_department_membership_township": ("乡镇干部加入其他部门群的比例",
                                                  "township cadres' share in other departments' groups"),
    "chat.other_department_membership_village": ("村干部加入其他部门群的比例",
                                                 "village cadres' share in other departments' groups"),
    "meetings.per_department_per_week": ("每个部门每周的会议数", "meetings a department calls a week"),
    "inspections.per_department_per_year": ("每个部门每年对一个乡镇的检查次数",
                                            "inspections a department pays a township a year"),
    "inspections.hosting_hours": ("接待一次检查的小时", "hours to host an inspection"),
    "rebound.elasticity": ("部门反弹的弹性", "departments' rebound elasticity"),
}


def parameter_label(key: str, lang: str) -> str:
    """A config key as a chart names it, in one language."""
    if key in PARAMETER_LABELS:
        return PARAMETER_LABELS[key][0 if lang == "zh" else 1]
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "reform" and parts[1] in REFORM_LABELS and parts[2] == "compliance":
        zh, en = REFORM_LABELS[parts[1]]
        return f"执行“{zh}”的部门比例" if lang == "zh" else f"share of departments applying {en}"
    return key


def reform_label(name: str) -> str:
    """'合并文件 merge documents' - the form a switch or a table row shows."""
    zh, en = REFORM_LABELS[name]
    return f"{zh} {en}"


def section_label(index: int) -> str:
    zh, en, _ = SECTIONS[index]
    return f"{index + 1} {zh} · {en}"
