"""The shipped tips catalog: consistent with the sample KB, and strict about its own format."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.domain import Role
from assistant.errors import ConfigurationError
from assistant.onboarding.catalog import (
    CATALOG_PATH,
    MAX_TOUR_STEPS,
    MIN_TOUR_STEPS,
    Catalog,
    UnknownChoiceError,
    load_catalog,
)
from retrieval.related import DocumentTopic
from retrieval.versions import version_key


def test_catalog_tips_cite_fitting_sample_articles(
    catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    for tip in catalog.tips:
        for doc in (tip.docs.en, tip.docs.zh):
            if doc is None:
                continue
            topic = sample_topics.get(doc)
            assert topic is not None, f"tip {tip.id}: {doc} is not in samples/kb"
            missing_roles = {role.value for role in tip.roles} - set(topic.roles)
            assert not missing_roles, f"tip {tip.id}: {doc} is not written for {missing_roles}"
            introduced = version_key(topic.introduced_in)
            assert version_key(tip.min_version) >= introduced, f"tip {tip.id} predates {doc}"


def test_catalog_docs_match_their_language_folder(catalog: Catalog) -> None:
    for tip in catalog.tips:
        assert tip.docs.en is None or tip.docs.en.startswith("en/"), tip.id
        assert tip.docs.zh is None or tip.docs.zh.startswith("zh/"), tip.id


def test_catalog_tour_length_per_role(catalog: Catalog) -> None:
    for role in Role:
        steps = catalog.tour_for(role)
        assert MIN_TOUR_STEPS <= len(steps) <= MAX_TOUR_STEPS, role


def test_check_feature_names_value_and_valid_features(catalog: Catalog) -> None:
    with pytest.raises(UnknownChoiceError) as caught:
        catalog.check_feature("teleport")

    assert caught.value.code == "unknown_feature"
    assert caught.value.params["value"] == "teleport"
    assert "gantt_baselines" in str(caught.value.params["valid"])
    assert catalog.check_feature("gantt_baselines") == "gantt_baselines"


def test_check_persona_rejects_unknown_persona(catalog: Catalog) -> None:
    with pytest.raises(UnknownChoiceError) as caught:
        catalog.check_persona("astronaut")

    assert caught.value.code == "unknown_persona"
    assert "project_manager" in str(caught.value.params["valid"])


def _write_variant(tmp_path: Path, change: dict[str, object]) -> Path:
    data = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    data.update(change)
    path = tmp_path / "tips.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_load_catalog_rejects_tip_with_unknown_feature(tmp_path: Path) -> None:
    data = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    tips = data["tips"]
    tips[0]["feature"] = "teleport"

    with pytest.raises(ConfigurationError, match="unknown feature 'teleport'"):
        load_catalog(_write_variant(tmp_path, {"tips": tips}))


def test_load_catalog_rejects_tour_of_two_steps(tmp_path: Path) -> None:
    data = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))

    with pytest.raises(ConfigurationError, match="the tour has 2 steps"):
        load_catalog(_write_variant(tmp_path, {"tour": data["tour"][:2]}))


def test_load_catalog_rejects_invalid_min_version(tmp_path: Path) -> None:
    data = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    tips = data["tips"]
    tips[0]["min_version"] = "three"

    with pytest.raises(ConfigurationError, match="invalid version 'three'"):
        load_catalog(_write_variant(tmp_path, {"tips": tips}))


def test_load_catalog_rejects_duplicate_tip_ids(tmp_path: Path) -> None:
    data = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    tips = [*data["tips"], data["tips"][0]]

    with pytest.raises(ConfigurationError, match="duplicate tip ids"):
        load_catalog(_write_variant(tmp_path, {"tips": tips}))
