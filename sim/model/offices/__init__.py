"""The county's offices: where what a department sends, or what residents ask, becomes hours owed by particular
cadres. Each office owns one driver of the workload table and is the one place a reform acts on it:

- ``documents.DocumentOffice``     documents read, relayed and implemented (merge_documents acts in the Department).
- ``meetings.MeetingOffice``       meetings attended, with travel; the township's Monday meeting (meeting_list).
- ``data.DataOffice``              report forms per data system; fields re-typed unless a store the system can read
                                   already holds them (shared_data_pool, one_form).
- ``assessment.AssessmentOffice``  inspections hosted, ledgers kept for each assessor, emergency inspections, surveys
                                   (no_ledger_assessment, single_assessor, satisfaction_assessment).
- ``duties.DutyOffice``            duties pushed down the line (responsibility_list, no_blame_shifting,
                                   strip_non_autonomous).
- ``township.TownshipOffice``      campaign duty shifts and forced assignments (resources_follow_tasks,
                                   scan_code_registration, ban_forced_assignments, strip_non_autonomous).
- ``chat.ChatOffice``              messages in work groups, interruptions, after-hours handling (merge_workgroups,
                                   no_instant_reply, rest_rights).
- ``service_desk.ServiceDesk``     residents' requests and proactive visits (certificate_negative_list,
                                   self_organization).
- ``accountability.Accountability`` blame from overdue work, findings and incidents (fault_tolerance,
                                   precise_accountability).

What cadres then do with the hours owed is their daily rule (``agents.Cadres``, ``workday.py``); rest rights act
through the calendar (``calendar.Calendar.is_protected``) and the cadres' days in lieu.
"""
