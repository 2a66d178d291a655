"""Every word the classroom page shows, in Chinese and English: the page shows one language at a time.

Names shared with the report (reforms, sections, activities, the parts of a saved hour) live in
``sim.views.labels``; this module holds the page's own words. Each entry is ``key -> (Chinese, English)``; a text
with ``{placeholders}`` is filled by :func:`tr`.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("基层减负 · 课堂演示", "Grassroots burden · classroom"),
    "switch_language": ("English", "中文"),  # the language switch names the language it switches to
    # the run controls
    "run": ("运行", "Run"),
    "reset": ("重置", "Reset"),
    "play": ("▶ 播放", "▶ Play"),
    "pause": ("❚❚ 暂停", "❚❚ Pause"),
    "step": ("单步", "Step"),
    "pending": ("设置已改动，尚未生效：按“重置”后才会用新的设置从第 0 天重新开始。",
                "Changed settings wait for Reset: press Reset to start again from day 0 with them."),
    "finished": ("这一年已模拟完：按“重置”重新开始。", "The year is over: press Reset to start again."),
    # the township's settings
    "township_settings": ("乡镇设置", "Township"),
    "seed": ("随机种子", "seed"),
    "villages": ("村/社区数", "villages"),
    "cadres_per_village": ("每村干部数", "cadres per village"),
    "township_cadres": ("乡镇干部数", "township cadres"),
    "households": ("户数", "households"),
    "messages_per_group_per_day": ("每个工作群每天的消息数", "messages per work group a day"),
    "inspections_per_department_per_year": ("每个部门每年的检查次数", "inspections per department a year"),
    # the reform switches
    "reforms": ("改革开关", "Reforms"),
    "all": ("全选", "all"),
    "none": ("全不选", "none"),
    # messages
    "cannot_build": ("无法建立这个乡镇：{detail}", "The township could not be built: {detail}"),
    "stopped": ("模拟在第 {day} 天停止：{detail}", "The simulation stopped on day {day}: {detail}"),
    "no_model": ("没有可显示的模拟：见乡镇面板中的提示。",
                 "No simulation to show: see the message in the township panel."),
    "no_reform": ("尚未打开任何改革：在左侧打开改革开关，然后按“重置”。",
                  "No reform switched on: turn some on in the sidebar and press Reset."),
    # the status line
    "status": ("第 {day} 天 · {when} · 已实施 {n}/20 项改革", "Day {day} · {when} · {n} of 20 reforms in force"),
    "not_started": ("未开始", "not started"),
    "warmup": ("预热期", "warm-up"),
    # the network
    "colour_hours": ("今日工时", "hours worked today"),
    "colour_backlog": ("待办请求", "open requests"),
    "network_title": ("乡镇网络 · 颜色：{what}", "Township network · colour: {what}"),
    "edge_lines": ("部门条线", "department lines"),
    "edge_tree": ("层级", "hierarchy"),
    "edge_grid": ("服务网格", "service grid"),
    "node_departments": ("县级部门", "county departments"),
    "node_township": ("乡镇", "township"),
    "node_villages": ("村/社区", "villages"),
    "node_cadres": ("干部", "cadres"),
    "node_households": ("群众（抽样）", "households (a sample)"),
    "hover_cadre": ("干部 {c}（{where}）<br>今日工时 {hours:.1f}<br>待办请求 {queue:.0f}<br>疲劳 {fatigue:.2f}",
                    "cadre {c} ({where})<br>hours today {hours:.1f}<br>requests waiting {queue:.0f}<br>"
                    "fatigue {fatigue:.2f}"),
    "hover_node": ("{kind} {i}<br>{what}：{value:.1f}", "{kind} {i}<br>{what}: {value:.1f}"),
    "village_n": ("第 {v} 村", "village {v}"),
    "township_cadre": ("乡镇干部", "township cadre"),
    # the week
    "week_line": ("平均每名干部的一周：近 7 天事务 {admin:.1f} 小时，服务群众 {service:.1f} 小时",
                  "The average cadre's week: admin {admin:.1f} h, service {service:.1f} h in the last 7 days"),
    "hours": ("小时", "hours"),
    "day_n": ("第 {k} 天", "day {k}"),
    "hover_hours": ("{what}：%{{y:.2f}} 小时", "{what}: %{{y:.2f}} h"),
    "weekdays": ("周一 周二 周三 周四 周五 周六 周日", "Mon Tue Wed Thu Fri Sat Sun"),
    # the service
    "with_reforms": ("改革后", "with reforms"),
    "without_reforms": ("未改革", "without"),
    "service_time_7d": ("办结天数（近 7 天办结的诉求的平均）",
                        "service time, days (requests resolved in the last 7 days)"),
    "open_requests": ("待办请求", "open requests"),
    "day": ("天", "day"),
    # what changed
    "what_changed": ("**改革带来的变化**（同一乡镇、同一随机种子 {seed}，第 1–{day} 天；改革：{names}）",
                     "**What changed** (the same township and seed {seed}, days 1–{day}; reforms: {names})"),
    "change": ("变化", "change"),
    "changes_title": ("每名干部每周工时：改革后 − 未改革", "hours per cadre-week: with − without"),
    "hover_change": ("%{{y}}：每名干部每周 %{{x:+.2f}} 小时", "%{{y}}: %{{x:+.2f}} h per cadre-week"),
    "where_title": ("**改革减掉的工时去了哪里**（每名干部每周小时，第 1–{day} 天）",
                    "**Where the hours the reforms removed went** (hours per cadre-week, days 1–{day})"),
    "where_note": ("减掉的工时 = 下面六部分之和。净节省 = 事务工时实际减少的部分。",
                   "The hours removed = the six parts below. Net saved = the fall in admin hours."),
    # how to read the page
    "how_to_read": ("怎么看这个页面", "How to read this page"),
    "how_to_read_text": (
        "- **乡镇网络**：方块是县级部门，菱形是乡镇，三角是村/社区，圆点是干部，小点是抽样的群众。"
        "干部的颜色是今天的工时（或他们所服务的村的待办请求）：越红越忙。细蓝线是部门条线，灰线是层级，绿线是干部负责的网格。\n"
        "- **干部的一周**：平均每名干部最近 7 天每天的工时，按事务分颜色叠加；最上面的绿色是服务群众。\n"
        "- **办结天数和待办请求**：实线是打开改革的乡镇，虚线是同一个乡镇不打开改革。两条线的差别就是改革的作用。\n"
        "- **改革带来的变化**：同一个乡镇、同一个随机种子，打开与不打开所选改革，各跑同样的天数。"
        "两次运行抽到的随机事件相同（同样的文件、会议、群众诉求），所以差别来自改革，而不是运气。\n"
        "- **改革减掉的工时去了哪里**：改革直接减掉的工时，有的被部门新增的要求吃掉（反弹），有的用来服务群众，"
        "有的还给干部休息，有的变成留痕材料。\n"
        "- 左侧的设置和改革开关要按 **重置** 才生效；按 **单步** 前进一天，按 **播放** 连续前进。"
        "前 91 天是预热期，让待办队列先积累起来。",
        "- **Township network**: squares are county departments, the diamond the township, triangles villages, dots "
        "cadres, small dots a sample of households. A cadre's colour is the hours worked today (or the open requests "
        "of the village it serves): the redder, the busier. Thin blue lines are department lines, grey the hierarchy, "
        "green the grid of households a cadre looks after.\n"
        "- **The average cadre's week**: hours a day over the last 7 days, stacked by activity; service to residents "
        "is the green on top.\n"
        "- **Service time and open requests**: the solid line is the township with the reforms, the dashed line the "
        "same township without them. The gap between them is the reforms' effect.\n"
        "- **What changed**: the same township and seed, with and without the chosen reforms, over the same days. "
        "Both runs draw the same random events (the same documents, meetings and residents' requests), so the "
        "difference comes from the reforms, not from luck.\n"
        "- **Where the hours the reforms removed went**: some are taken back by departments asking for more "
        "(rebound), some go to residents, some are given back as rest, some become paperwork.\n"
        "- The settings and switches on the left take effect on **Reset**; **Step** moves one day, **Play** keeps "
        "going. The first 91 days are a warm-up, so that the queues fill first."),
    # the what-changed rows
    "admin_hours": ("事务工时（小时/人·周）", "admin hours per cadre-week"),
    "service_hours": ("服务群众工时（小时/人·周）", "service hours per cadre-week"),
    "overtime": ("加班（小时/人·周）", "overtime per cadre-week"),
    "service_days": ("办结天数（平均）", "service time, mean days"),
    "within_7": ("7 日内办结的比例", "share resolved within 7 days"),
    "within_15": ("15 日内办结的比例", "share resolved within 15 days"),
    "open_now": ("目前待办的请求", "open requests now"),
    "gave_up": ("放弃诉求的群众", "residents who gave up"),
    "called_12345": ("拨打 12345 的次数", "calls to 12345"),
    # the participatory mode (participatory.py, class_page.py)
    "mode_explore": ("独自探索", "Explore alone"),
    "mode_class": ("全班参与", "Class session"),
    "teacher_card": ("教师：开始一节课", "Teacher: start a session"),
    "budget": ("每个乡镇最多可选的改革数", "reforms a township may choose"),
    "start": ("开始", "Start"),
    "student_card": ("学生：加入一节课", "Student: join a session"),
    "code_label": ("课堂代码", "session code"),
    "name_label": ("你的名字", "your name"),
    "join": ("加入", "Join"),
    "no_session": ("这台服务器上没有课堂代码 {code}：请向老师确认代码。",
                   "There is no session {code} on this server: ask the teacher for the code."),
    "session_header": ("课堂代码 {code} · 每个乡镇最多 {budget} 项改革 · {n} 名乡镇长",
                       "Session {code} · at most {budget} reforms a township · {n} township heads"),
    "share_code": ("请学生打开同一网址，点“全班参与”，输入代码 {code}。",
                   "Students open the same address, press Class session and enter the code {code}."),
    "you_head": ("你是 {name}，一个乡镇的乡镇长。全班的乡镇完全相同（同一随机种子），差别只来自各自选的改革。",
                 "You are {name}, head of a township. Everyone's township is the same (the same seed), so the "
                 "differences come only from the reforms each of you chooses."),
    "choose_up_to": ("最多选 {budget} 项（已选 {n} 项）", "Choose at most {budget} (chosen: {n})"),
    "submit": ("提交并模拟一年", "Submit and simulate a year"),
    "status_choosing": ("选择中", "choosing"),
    "status_running": ("模拟中……", "simulating…"),
    "status_done": ("已完成", "done"),
    "status_failed": ("失败", "failed"),
    "board_title": ("全班排行（按节省的事务工时）", "The class board (by admin hours saved)"),
    "col_rank": ("名次", "rank"),
    "col_name": ("乡镇长", "township head"),
    "col_reforms": ("改革", "reforms"),
    "col_saved": ("节省的事务工时（小时/人·周）", "admin hours saved per cadre-week"),
    "col_service": ("办结天数变化（天）", "change in service days"),
    "col_moved": ("上移到县级部门（小时/人·周）", "moved up to the county per cadre-week"),
    "col_status": ("状态", "status"),
    "reveal": ("揭晓模型找到的最佳组合", "Reveal the model's best package"),
    "searching": ("模型正在寻找预算内的最佳组合……", "The model is searching for the best package within the budget…"),
    "best": ("模型找到的最佳组合（逐项加入的贪心搜索，办结天数最多慢 {tolerance} 天）：{names}。"
             "节省 {saved:.2f} 小时/人·周，办结天数变化 {service:+.2f} 天。",
             "The model's best package (a greedy search adding one reform at a time, service at most {tolerance} "
             "days slower): {names}. It saves {saved:.2f} h per cadre-week; service days change {service:+.2f}."),
    "no_reforms": ("无", "none"),
    "leave": ("离开", "Leave"),
}


def tr(key: str, lang: str, **values) -> str:
    """The text `key` in `lang` ("zh" or "en"), with its placeholders filled."""
    text = TEXTS[key][0 if lang == "zh" else 1]
    return text.format(**values) if values else text


def pick(pair: tuple[str, str], lang: str) -> str:
    """One language of a (Chinese, English) label."""
    return pair[0 if lang == "zh" else 1]


def weekday(index: int, lang: str) -> str:
    """The day's name, Monday = 0."""
    return tr("weekdays", lang).split()[index]
