"""Onboarding store: events, profiles, dismissals and tour state, separated by tenant."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from assistant.domain import Role
from assistant.errors import InputError
from assistant.onboarding.store import (
    EventKind,
    OnboardingProfile,
    OnboardingStore,
    Profile,
    TourStatus,
    validate_user_id,
)


def test_feature_usage_splits_used_and_asked(store: OnboardingStore) -> None:
    store.record_event("acme", "u1", "gantt_baselines")
    store.record_event("acme", "u1", "gantt_baselines")
    store.record_event("acme", "u1", "sso", kind=EventKind.ASKED)

    usage = store.feature_usage("acme", "u1")

    assert usage.used == {"gantt_baselines"}
    assert usage.asked == {"sso"}


def test_record_event_keeps_client_time(store: OnboardingStore) -> None:
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

    assert store.record_event("acme", "u1", "tasks", at=at) == at


def test_profile_keeps_first_version_and_updates_given_fields(store: OnboardingStore) -> None:
    first = Profile(role=Role.MEMBER, persona="developer", product_version="3.2")
    store.record_event("acme", "u1", "tasks", profile=first)
    store.record_event("acme", "u1", "boards", profile=Profile(product_version="3.4"))

    profile = store.profile("acme", "u1")

    assert profile.role is Role.MEMBER
    assert profile.persona == "developer"
    assert profile.product_version == "3.4"
    assert profile.first_version == "3.2"


def test_profile_of_unknown_user_is_empty(store: OnboardingStore) -> None:
    assert store.profile("acme", "nobody") == Profile()


def test_dismiss_tip_twice_keeps_first_time(store: OnboardingStore) -> None:
    first = store.dismiss_tip("acme", "u1", "sso")
    second = store.dismiss_tip("acme", "u1", "sso")

    assert second == first
    assert store.dismissed_tips("acme", "u1") == {"sso"}


def test_finish_tour_keeps_first_record(store: OnboardingStore) -> None:
    assert store.tour("acme", "u1") is None

    skipped = store.finish_tour("acme", "u1", TourStatus.SKIPPED, steps_seen=1)
    again = store.finish_tour("acme", "u1", TourStatus.COMPLETED, steps_seen=5)

    assert skipped.status is TourStatus.SKIPPED
    assert again == skipped
    assert store.tour("acme", "u1") == skipped


def test_store_separates_tenants_with_same_user_id(store: OnboardingStore) -> None:
    store.record_event("acme", "u1", "tasks", profile=Profile(role=Role.ADMIN))
    store.dismiss_tip("acme", "u1", "sso")
    store.finish_tour("acme", "u1", TourStatus.COMPLETED)

    assert store.feature_usage("beta", "u1").used == frozenset()
    assert store.profile("beta", "u1") == Profile()
    assert store.dismissed_tips("beta", "u1") == frozenset()
    assert store.tour("beta", "u1") is None


def test_store_state_survives_reopening(store: OnboardingStore) -> None:
    store.dismiss_tip("acme", "u1", "sso")
    reopened = OnboardingStore(store.url)
    try:
        assert reopened.dismissed_tips("acme", "u1") == {"sso"}
    finally:
        reopened.close()


@pytest.mark.parametrize("user_id", ["", "-leading-dash", "a b", "x" * 129, "名字"])
def test_validate_user_id_rejects_invalid_ids(user_id: str) -> None:
    with pytest.raises(InputError) as caught:
        validate_user_id(user_id)

    assert caught.value.code == "invalid_user_id"


def test_validate_user_id_accepts_email_like_ids() -> None:
    assert validate_user_id("ada.lovelace+pm@example.com") == "ada.lovelace+pm@example.com"


def test_record_event_survives_profile_insert_race(postgres_url: str) -> None:
    store = OnboardingStore(postgres_url)
    rival = OnboardingStore(postgres_url)
    raced = False

    def rival_creates_the_profile_first(*_: object) -> None:
        # Runs when `store` flushes its new profile row, after its lookup found none.
        nonlocal raced
        if not raced:
            raced = True
            rival.record_event("acme", "u1", "boards", profile=Profile(product_version="3.2"))

    event.listen(OnboardingProfile, "before_insert", rival_creates_the_profile_first)
    try:
        store.record_event("acme", "u1", "tasks", profile=Profile(role=Role.ADMIN))
    finally:
        event.remove(OnboardingProfile, "before_insert", rival_creates_the_profile_first)
        rival.close()

    assert raced
    assert store.feature_usage("acme", "u1").used == {"tasks", "boards"}
    assert store.profile("acme", "u1") == Profile(
        role=Role.ADMIN, product_version="3.2", first_version="3.2"
    )
    store.close()
