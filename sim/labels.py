"""Names of the reforms in Chinese and English, grouped as in the source's six sections.

Shared by the policymaker report and the classroom app: keep the shape ({name: (zh, en)} and
[(zh, en, [names])]) so both show the same words.
"""

from __future__ import annotations

REFORM_LABELS: dict[str, tuple[str, str]] = {
    "baseline": ("基线", "baseline"),
    "all_reforms": ("全部改革", "all reforms"),
    # 1 cut useless work
    "merge_documents": ("合并文件", "merge documents"),
    "meeting_list": ("会议清单管理", "meeting list"),
    "no_ledger_assessment": ("无台账考核", "no-ledger assessment"),
    "merge_workgroups": ("整合工作群", "merge work groups"),
    "no_instant_reply": ("不要求秒回", "no instant reply"),
    "shared_data_pool": ("数据共享池", "shared data pool"),
    # 2 draw responsibility lines
    "responsibility_list": ("基层权责清单", "responsibility list"),
    "no_blame_shifting": ("严禁责任甩锅", "no blame shifting"),
    "resources_follow_tasks": ("权随责走费随事转", "resources follow tasks"),
    # 3 fix the assessment baton
    "single_assessor": ("谁主管谁考核", "single assessor"),
    "satisfaction_assessment": ("群众打分占大头", "satisfaction assessment"),
    "fault_tolerance": ("容错", "fault tolerance"),
    # 4 give self-government back
    "certificate_negative_list": ("证明事项负面清单", "certificate negative list"),
    "strip_non_autonomous": ("剥离非自治事务", "strip non-autonomous duties"),
    "self_organization": ("培育群众自组织", "self-organisation"),
    # 5 technology runs the errands
    "one_form": ("基层一张表", "one form"),
    "scan_code_registration": ("扫码替代登记", "scan-code registration"),
    # 6 untie the cadres
    "ban_forced_assignments": ("禁止强制摊派", "ban forced assignments"),
    "precise_accountability": ("问责要精准", "precise accountability"),
    "rest_rights": ("保障休息权", "rest rights"),
}

SECTIONS: list[tuple[str, str, list[str]]] = [
    ("砍掉无效事务", "cut useless work",
     ["merge_documents", "meeting_list", "no_ledger_assessment", "merge_workgroups", "no_instant_reply",
      "shared_data_pool"]),
    ("划清权责边界", "draw responsibility lines",
     ["responsibility_list", "no_blame_shifting", "resources_follow_tasks"]),
    ("优化考核指挥棒", "fix the assessment baton",
     ["single_assessor", "satisfaction_assessment", "fault_tolerance"]),
    ("赋能基层自治", "give self-government back",
     ["certificate_negative_list", "strip_non_autonomous", "self_organization"]),
    ("技术替人跑腿", "technology runs the errands",
     ["one_form", "scan_code_registration"]),
    ("给基层干部松绑", "untie the cadres",
     ["ban_forced_assignments", "precise_accountability", "rest_rights"]),
]
