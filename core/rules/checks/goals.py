"""Goal links: each timed service must serve a goal on the plan of care, in words too.

Contract: functions take ``NoteFacts`` and yield ``Finding``s.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.rules.checks.facts import NoteFacts
from core.rules.findings import Finding, make_finding


def check_goal_links(f: NoteFacts) -> Iterator[Finding]:
    goals = {g.id: g for g in f.ctx.episode.goals}
    timed_ids = {x.id for x in f.timed_lines}
    for line in f.lines:
        if line.id in timed_ids and not line.goal_ids:
            yield make_finding(
                "block.missing_goal_link",
                f"The {line.code} block is not linked to a goal.",
                f"{line.field}.goal_ids",
                "Link the goal this service works toward.",
                block_id=line.id,
            )
        for goal_id in line.goal_ids:
            goal = goals.get(goal_id)
            if goal is None:
                yield make_finding(
                    "block.goal_not_on_plan",
                    f"The {line.code} {'block' if line.kind == 'block' else 'service'} links a "
                    "goal that is not on this plan of care.",
                    f"{line.field}.goal_ids",
                    "Remove the link and choose a goal from the current plan.",
                    block_id=line.id,
                )
            elif not goal.is_active:
                yield make_finding(
                    "block.goal_inactive",
                    f"The {line.code} block links the goal “{goal.activity}”, which is "
                    f"{goal.status.value.replace('_', ' ')}.",
                    f"{line.field}.goal_ids",
                    "Link an active goal, or update the plan of care.",
                    block_id=line.id,
                )
        if line.id in timed_ids and line.goal_ids and not line.goal_connection.strip():
            yield make_finding(
                "block.missing_goal_connection",
                f"The {line.code} block does not say how it serves its goal.",
                f"{line.field}.goal_connection",
                "Add a sentence such as “… to improve stair climbing (LTG 1)”.",
                block_id=line.id,
            )
