"""The shipped catalog of onboarding tips, features, personas and guided-tour steps.

`tips.yaml` beside this module is the source. It is validated when loaded, so a tip that names
an unknown feature, role or persona, an invalid version, or a tour with the wrong number of
steps fails at start-up instead of at a user's request.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.domain import MODULES, Language, Role
from assistant.errors import ConfigurationError, InputError
from retrieval.versions import is_available, parse_version

CATALOG_PATH = Path(__file__).with_name("tips.yaml")
MIN_TOUR_STEPS = 3
MAX_TOUR_STEPS = 5
TIP_ID_PATTERN = r"^[a-z0-9][a-z0-9.-]{0,63}$"


class UnknownChoiceError(InputError):
    """Raised when a feature or persona name is not in the catalog's closed list.

    The HTTP API returns 422 for it, as for other invalid fields.
    """

    def __init__(self, kind: str, value: str, valid: list[str]) -> None:
        super().__init__(
            f"unknown {kind} {value!r}; use one of: {', '.join(valid)}",
            code=f"unknown_{kind}",
            value=value,
            # A tuple, not a string, so that error messages list every choice. They shorten
            # string values to 80 characters and join a tuple in the reader's language.
            valid=tuple(valid),
        )


class FeatureEntry(BaseModel):
    """A product feature that usage events can name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    module: str

    @field_validator("module")
    @classmethod
    def _known_module(cls, module: str) -> str:
        if module not in MODULES:
            raise ValueError(f"unknown module {module!r}; use one of: {', '.join(MODULES)}")
        return module


class Localized(BaseModel):
    """A text in each supported language."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)

    def get(self, language: Language) -> str:
        """Return the text in `language`."""
        return self.zh if language is Language.ZH else self.en


class TipDocs(BaseModel):
    """The KB article a tip cites, as a path per language. At least one path is required."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    en: str | None = None
    zh: str | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> TipDocs:
        if not self.en and not self.zh:
            raise ValueError("docs needs an article path for en, zh or both")
        return self

    def in_order_of(self, language: Language) -> list[str]:
        """Return the paths, the one in `language` first."""
        first, second = (self.zh, self.en) if language is Language.ZH else (self.en, self.zh)
        return [path for path in (first, second) if path]


class TipEntry(BaseModel):
    """One onboarding tip of the catalog."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=TIP_ID_PATTERN)
    feature: str
    roles: frozenset[Role] = Field(min_length=1)
    personas: frozenset[str] = frozenset()
    """Personas the tip is written for. An empty set means every persona."""
    min_version: str
    """First product version where the tip applies."""
    removed_in: str | None = None
    """First product version where the tip no longer applies, e.g. the feature was removed."""
    priority: int = Field(ge=0, le=100)
    docs: TipDocs
    text: Localized

    @field_validator("min_version", "removed_in")
    @classmethod
    def _valid_version(cls, version: str | None) -> str | None:
        if version is not None:
            parse_version(version)
        return version

    def applies_to(self, version: str) -> bool:
        """Tell whether the tip applies to a user on product `version`."""
        return is_available(self.min_version, self.removed_in, version)


class TourStep(BaseModel):
    """One step of the guided tour of the chat widget."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=TIP_ID_PATTERN)
    target: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    """Id of the page element the step points at."""
    roles: frozenset[Role] = frozenset(Role)
    title: Localized
    text: Localized


class Catalog(BaseModel):
    """The whole tips file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    current_version: str
    """Product version assumed for a user whose version is unknown."""
    personas: tuple[str, ...] = Field(min_length=1)
    features: dict[str, FeatureEntry] = Field(min_length=1)
    tips: tuple[TipEntry, ...] = Field(min_length=1)
    tour: tuple[TourStep, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Catalog:
        parse_version(self.current_version)
        ids = [tip.id for tip in self.tips]
        duplicates = sorted({tip_id for tip_id in ids if ids.count(tip_id) > 1})
        if duplicates:
            raise ValueError(f"duplicate tip ids: {duplicates}")
        for tip in self.tips:
            if tip.feature not in self.features:
                raise ValueError(f"tip {tip.id!r}: unknown feature {tip.feature!r}")
            unknown = sorted(tip.personas - set(self.personas))
            if unknown:
                raise ValueError(f"tip {tip.id!r}: unknown personas {unknown}")
        for role in Role:
            steps = len(self.tour_for(role))
            if not MIN_TOUR_STEPS <= steps <= MAX_TOUR_STEPS:
                raise ValueError(
                    f"the tour has {steps} steps for role {role.value!r}; "
                    f"give it {MIN_TOUR_STEPS} to {MAX_TOUR_STEPS}"
                )
        return self

    def tip(self, tip_id: str) -> TipEntry | None:
        """Return the tip with id `tip_id`, or None."""
        return next((tip for tip in self.tips if tip.id == tip_id), None)

    def features_citing(self, doc: str) -> set[str]:
        """Return the features of the tips that cite the KB article `doc`."""
        return {tip.feature for tip in self.tips if doc in (tip.docs.en, tip.docs.zh)}

    def tour_for(self, role: Role) -> list[TourStep]:
        """Return the tour steps shown to `role`, in order."""
        return [step for step in self.tour if role in step.roles]

    def check_feature(self, feature: str) -> str:
        """Return `feature` when the catalog lists it.

        Raises:
            UnknownChoiceError: naming the value and the valid features.
        """
        return _check_choice("feature", feature, sorted(self.features))

    def check_persona(self, persona: str) -> str:
        """Return `persona` when the catalog lists it.

        Raises:
            UnknownChoiceError: naming the value and the valid personas.
        """
        return _check_choice("persona", persona, list(self.personas))


def _check_choice(kind: str, value: str, valid: list[str]) -> str:
    if value not in valid:
        raise UnknownChoiceError(kind, value, valid)
    return value


def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """Read and validate a tips file.

    Raises:
        ConfigurationError: the file is missing, is not YAML, or breaks a rule of the format.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Catalog.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError, InputError) as exc:
        raise ConfigurationError(f"{path}: invalid onboarding catalog: {exc}") from exc


@lru_cache(maxsize=1)
def shipped_catalog() -> Catalog:
    """Return the catalog shipped with the package, loaded once per process."""
    return load_catalog()
