"""The safety triage: every parent message passes it before anything else (DESIGN.md, Safety).

It sorts a message into one category, each with its own help:
- `suicide`: a child or parent thinking about death or self-harm (also passive wishes, signs);
- `harm`: the child is hurt or in danger (abuse, neglect, violence, threats, harm at school);
- `distress`: the parent is exhausted or desperate, without danger signs (not a crisis);
- None: everything else, including a child who hits others and everyday idioms ("doodmoe").

Two signals decide together, and the most severe one wins: the explainable rules
(`safety_rules.py`, phrases in `data/crisis_nl.yaml`) and a small n-gram model that carries to
new wordings (`triage_model.py`). Recall first: a missed crisis is worse than a false alarm.
Never logs or keeps message text, and never raises on input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.core.safety_rules import (
    DEFAULT_CRISIS_FILE,
    RuleGroup,
    RuleSet,
    anchored,
    combine,
    fold_message,
)
from bot.core.triage_model import DEFAULT_MODEL_FILE, TriageModel, emoji_features
from handoff.model import CATEGORIES as TRIAGE_CATEGORIES
from handoff.model import URGENT_CATEGORIES, severity_of

__all__ = [
    "CATEGORIES",
    "CRISIS_CATEGORIES",
    "DEFAULT_CRISIS_FILE",
    "DEFAULT_MODEL_FILE",
    "DEFAULT_THRESHOLDS",
    "CrisisCheck",
    "Triage",
    "anchored",
    "combine",
    "fold_message",
    "severity",
]

# Most severe first; the queue is ordered by this (Crisis Text Line ranks the same way). The
# vocabulary lives with the queue (handoff.model), which must not import the core.
CATEGORIES = TRIAGE_CATEGORIES
CRISIS_CATEGORIES = URGENT_CATEGORIES
# The model's probability from which a category counts; tuned on the corpus's test split
# (`ouderlijn safety eval`), low for the two crisis categories because recall comes first.
DEFAULT_THRESHOLDS = {"suicide": 0.35, "harm": 0.35, "distress": 0.5}
# Shorter messages ("onzin", "bericht 1") are left to the rules: the model has too little to
# go on, and the explicit one- and two-word crises ("zelfmoord", "wil dood") are rules.
MODEL_MIN_WORDS = 3
# When a rule has named a crisis category, the model needs this much to add a more severe one.
OVERRIDE = 0.9
# Up to this many words the model has few features to go on ("nog een bericht" shares letters
# with "afscheidsbericht"), so it needs more certainty; explicit short crises are rules.
SHORT_WORDS = 5
SHORT_THRESHOLD = 0.6


def severity(category: str | None) -> int:
    """3 for suicide, 2 for harm, 1 for distress, 0 for everything else."""
    return severity_of(category)


@dataclass(frozen=True)
class Triage:
    """The outcome for one message: its category and why (rule names, model scores)."""

    category: str | None = None
    rules: tuple[str, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def crisis(self) -> bool:
        """Suicide or harm: the numbers at once and an urgent request."""
        return self.category in CRISIS_CATEGORIES

    def to_json(self) -> dict[str, object]:
        return {"crisis": self.crisis, "category": self.category}


NOTHING = Triage()


class CrisisCheck:
    """The engine's one safety check: rules and model, most severe category wins."""

    def __init__(
        self,
        rules: RuleSet,
        model: TriageModel | None = None,
        thresholds: dict[str, float] | None = None,
    ) -> None:
        self.rules = rules
        self.model = model
        self.thresholds = dict(DEFAULT_THRESHOLDS if thresholds is None else thresholds)

    @classmethod
    def load(
        cls, path: Path = DEFAULT_CRISIS_FILE, model_path: Path | None = DEFAULT_MODEL_FILE
    ) -> CrisisCheck:
        """Load the rule file and the model (None: rules only); ContentError on problems."""
        rules = RuleSet.load(path)
        model = TriageModel.load(model_path) if model_path is not None else None
        return cls(rules, model, model.thresholds if model and model.thresholds else None)

    @property
    def groups(self) -> tuple[RuleGroup, ...]:
        return self.rules.groups

    @property
    def group_names(self) -> tuple[str, ...]:
        return self.rules.group_names

    def matches(self, text: str) -> list[str]:
        """Names of the rule groups that fire (for tests and debugging)."""
        return self.rules.matches(text)

    def triage(self, text: object) -> Triage:
        """The category of one message; non-text and empty text are None."""
        if not isinstance(text, str):
            return NOTHING
        folded = fold_message(text)
        if not folded and not emoji_features(text):
            return NOTHING
        fired = self.rules.fired(folded)
        found = {group.category for group in fired}
        scores: dict[str, float] = {}
        if self.model is not None and (
            len(folded.split()) >= MODEL_MIN_WORDS or emoji_features(text)
        ):
            scores = self.model.scores(self.rules.mask(folded), text)
            # A rule names the danger it saw; the model may only make it more severe when it
            # is sure ("ik sla mijn kind" is harm and needs Veilig Thuis, not 113).
            named = bool(found & set(CRISIS_CATEGORIES))
            short = len(folded.split()) <= SHORT_WORDS
            for name in CATEGORIES:
                needed = OVERRIDE if named else self.thresholds[name]
                needed = max(needed, SHORT_THRESHOLD) if short else needed
                if scores.get(name, 0.0) >= needed:
                    found.add(name)
        category = next((c for c in CATEGORIES if c in found), None)
        return Triage(category, tuple(group.name for group in fired), scores)

    def is_crisis(self, text: object) -> bool:
        """Whether the message signals suicide or harm (numbers at once, urgent request)."""
        return self.triage(text).crisis
