"""Seed two weeks of synthetic support traffic through the real agent, for the weekly reports.

    ASSISTANT_DATA_DIR=DIR .venv/bin/python -m insights.synthetic_traffic --week 2026-W48

runs the conversations of `insights/data/synthetic_traffic.yaml` in the week given and the
week before, in English and Chinese, through `SupportAgent.ask` on an ingested KB, with
ratings, surveys and email tickets. The same seed writes the same conversations, questions,
ratings and times. The agent decides intents, answers and tickets as it would for users.
Only the turn log, ratings, surveys and email tickets carry the synthetic times. Tickets the
agent opens are stamped with the real time, and the reports read those through their turn.
Because those tickets arrive within seconds, surge detection may open incidents for them.
Use a separate data dir, because the traffic is stored like real traffic.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, Field

from assistant.domain import Intent, Language, Role
from assistant.feedback import FeedbackStore, Rating
from assistant.settings import DEFAULT_KB, Settings, get_settings
from assistant.tenants import DEFAULT_TENANT, tenant_kb_name
from assistant.tickets import TicketStore
from assistant.tickets.schemas import Channel, TicketDraft
from graphs.support.service import SupportAgent
from graphs.support.state import UserContext
from insights.weeks import IsoWeek, last_complete_week, parse_week

SCENARIO_PATH = Path(__file__).parent / "data" / "synthetic_traffic.yaml"
DEFAULT_SEED = 7
PRODUCT_VERSION = "3.4"
FOLLOW_UP_MINUTES = (2, 10)
RATING_DELAY = timedelta(minutes=1)
SURVEY_DELAY = timedelta(minutes=5)
EMAIL_SUBJECT_CHARS = 80


class WeekCounts(BaseModel):
    """Conversations of a topic in the week before the report's week and in that week."""

    previous: int = Field(ge=0)
    current: int = Field(ge=0)


class Phrases(BaseModel):
    """Texts of one kind in English and Chinese."""

    en: list[str]
    zh: list[str]

    def of(self, language: Language) -> list[str]:
        """Return the texts of a language."""
        return self.en if language is Language.EN else self.zh


class TopicPlan(BaseModel):
    """One topic of the synthetic traffic. The scenario file documents the fields."""

    name: str
    module: str
    terms: list[str]
    conversations: WeekCounts
    follow_up_rate: float = Field(ge=0, le=1)
    rating_rate: float = Field(ge=0, le=1)
    down_rate: float = Field(ge=0, le=1)
    survey_rate: float = Field(ge=0, le=1)
    csat: tuple[int, int]
    nps: tuple[int, int]
    email_tickets: int = Field(ge=0)
    messages: Phrases
    follow_ups: Phrases
    reasons: Phrases
    comments: Phrases


class Scenario(BaseModel):
    """The topics of the synthetic traffic."""

    topics: list[TopicPlan]


@dataclass
class SeedSummary:
    """Counts of the seeded conversations per week and topic, and of the stored rows."""

    week: str
    previous_week: str
    conversations: dict[str, dict[str, int]] = field(default_factory=dict)
    """Conversations by week, then topic name."""
    turns: int = 0
    ratings: int = 0
    surveys: int = 0
    email_tickets: int = 0
    actions: Counter[str] = field(default_factory=Counter)


@dataclass
class TrafficStores:
    """The agent and stores the traffic goes through."""

    agent: SupportAgent
    feedback: FeedbackStore
    tickets: TicketStore


def load_scenario(path: Path = SCENARIO_PATH) -> Scenario:
    """Read and validate a scenario file."""
    return Scenario.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def seed_traffic(
    stores: TrafficStores,
    scenario: Scenario,
    week: IsoWeek,
    *,
    settings: Settings,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
) -> SeedSummary:
    """Run the scenario's conversations of `week` and the week before through the agent.

    Args:
        scale: Factor on every topic's conversation and email counts (rounded).
    """
    rng = random.Random(seed)
    timezone = ZoneInfo(settings.timezone)
    summary = SeedSummary(week=str(week), previous_week=str(week.shift(-1)))
    for label, seeded_week in (("previous", week.shift(-1)), ("current", week)):
        counts: dict[str, int] = {}
        for topic in scenario.topics:
            planned = getattr(topic.conversations, label)
            count = round(planned * scale)
            for index in range(count):
                start = _working_time(rng, seeded_week, timezone, settings)
                conversation_id = f"synthetic-{seeded_week}-{topic.name}-{index}"
                _run_conversation(stores, topic, conversation_id, start, rng, summary)
            for index in range(round(topic.email_tickets * scale)):
                _email_ticket(stores, topic, seeded_week, index, rng, timezone, settings)
                summary.email_tickets += 1
            counts[topic.name] = count
        summary.conversations[str(seeded_week)] = counts
    return summary


def _run_conversation(
    stores: TrafficStores,
    topic: TopicPlan,
    conversation_id: str,
    start: datetime,
    rng: random.Random,
    summary: SeedSummary,
) -> None:
    # Every random choice is drawn before the agent runs, so the replies cannot change them.
    language = rng.choice([Language.EN, Language.ZH])
    messages = [rng.choice(topic.messages.of(language))]
    follow_ups = topic.follow_ups.of(language)
    if follow_ups and rng.random() < topic.follow_up_rate:
        messages.append(rng.choice(follow_ups))
    gap = timedelta(minutes=rng.randint(*FOLLOW_UP_MINUTES))
    rated = rng.random() < topic.rating_rate
    down = rng.random() < topic.down_rate
    reasons = topic.reasons.of(language)
    reason = rng.choice(reasons) if down and reasons else None
    surveyed = rng.random() < topic.survey_rate
    csat, nps = rng.randint(*topic.csat), rng.randint(*topic.nps)
    comments = topic.comments.of(language)
    comment = rng.choice(comments) if comments else None
    user = UserContext(
        id=f"synthetic-user-{rng.randint(1, 40)}",
        role=rng.choice([Role.ADMIN, Role.MEMBER, Role.MEMBER, Role.GUEST]).value,
        locale="zh-CN" if language is Language.ZH else "en",
        product_version=PRODUCT_VERSION,
    )

    moment = start
    intent = None
    for message in messages:
        reply = stores.agent.ask(message, user, conversation_id, now=moment)
        intent = reply.output["intent"]["name"]
        summary.turns += 1
        summary.actions[reply.output["action"]["type"]] += 1
        moment += gap
    last_turn = moment - gap
    tenant = stores.agent.context.tenant
    if rated:
        stores.feedback.rate_answer(
            tenant,
            conversation_id,
            Rating.DOWN if down else Rating.UP,
            message_id=f"{conversation_id}-{len(messages)}",
            reason=reason,
            intent=intent,
            now=last_turn + RATING_DELAY,
        )
        summary.ratings += 1
    if surveyed:
        stores.feedback.submit_survey(
            tenant,
            conversation_id,
            csat=csat,
            nps=nps,
            comment=comment,
            intent=intent,
            now=last_turn + SURVEY_DELAY,
        )
        summary.surveys += 1


def _email_ticket(
    stores: TrafficStores,
    topic: TopicPlan,
    week: IsoWeek,
    index: int,
    rng: random.Random,
    timezone: ZoneInfo,
    settings: Settings,
) -> None:
    language = rng.choice([Language.EN, Language.ZH])
    text = rng.choice(topic.messages.of(language))
    draft = TicketDraft(
        tenant=stores.agent.context.tenant,
        requester=f"customer-{index}@example.com",
        subject=text[:EMAIL_SUBJECT_CHARS],
        description=text,
        intent=Intent.TROUBLESHOOTING,
        module=topic.module,
        channel=Channel.EMAIL,
        language=language,
    )
    stores.tickets.create(draft, now=_working_time(rng, week, timezone, settings))


def _working_time(
    rng: random.Random, week: IsoWeek, timezone: ZoneInfo, settings: Settings
) -> datetime:
    """Return a random moment of the week's working days and hours, in `timezone`."""
    day = rng.randrange(5)
    minutes = rng.randrange((settings.work_end_hour - settings.work_start_hour) * 60)
    offset = timedelta(days=day, hours=settings.work_start_hour, minutes=minutes)
    return week.start(timezone) + offset


def main(argv: Sequence[str] | None = None) -> int:
    """Seed the traffic into the KB and database of ASSISTANT_DATA_DIR and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--week", help="ISO week, e.g. 2026-W48 (default: the last full week)")
    parser.add_argument("--tenant", default=DEFAULT_TENANT, help="tenant (default: %(default)s)")
    parser.add_argument("--kb", default=DEFAULT_KB, help="the tenant's KB (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument("--scale", type=float, default=1.0, help="factor on every count")
    args = parser.parse_args(argv)

    settings = get_settings()
    timezone = ZoneInfo(settings.timezone)
    now = datetime.now(timezone)
    week = parse_week(args.week) if args.week else last_complete_week(now, timezone)
    agent = SupportAgent(
        settings, tenant_kb_name(args.tenant, args.kb), channel="chat", tenant=args.tenant
    )
    stores = TrafficStores(
        agent=agent,
        feedback=FeedbackStore(settings.resolved_database_url),
        tickets=TicketStore(settings.resolved_database_url),
    )
    try:
        summary = seed_traffic(
            stores, load_scenario(), week, settings=settings, seed=args.seed, scale=args.scale
        )
    finally:
        agent.close()
        stores.feedback.close()
        stores.tickets.close()
    payload = {
        "week": summary.week,
        "previous_week": summary.previous_week,
        "conversations": summary.conversations,
        "turns": summary.turns,
        "ratings": summary.ratings,
        "surveys": summary.surveys,
        "email_tickets": summary.email_tickets,
        "actions": dict(summary.actions),
    }
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
