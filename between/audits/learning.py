"""A model that learns from reviewers' answers, next to the rule-based detector. No Django.

The rules in `detector.py` stay the transparent core. As review cycles accumulate, `train()`
fits one small scikit-learn pipeline per label on the reviewers' answers; its features are
character n-grams (robust to abbreviations such as "HW", "tx", "tarea" and to EN/ES), word
1-2 grams, and the rule detector's own answer for that label, so the model learns where the
rules go wrong rather than starting from scratch.

The model only ever produces a *suggestion* (`combine()`). A reviewer's answer always wins:
nothing in this module reads, writes or changes an answer.

Typical use::

    model = train(examples)               # None while there are too few answers
    if model is None:
        print(insufficient(examples))     # why, per label
    probabilities = model.predict(text, language) if model else {}
    view = combine(detect(text, language), probabilities)
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from between.audits.detector import DETECTOR_VERSION, LABELS, Detection, detect
from between.audits.evaluation import evaluate

# Raise when the features or the pickled layout change: older bytes are then refused.
MODEL_FORMAT = 1
CV_FOLDS = 5
# Column layout of the pipeline input: the note text and the rule's 0/1 answer for the label.
TEXT_COLUMN = 0
RULE_COLUMN = 1
# Words of one letter count too ("y", "a", "x"): sklearn's default pattern drops them.
WORDS = r"(?u)\b\w+\b"


def _as_float(values: Any) -> Any:
    """The rule column arrives as an object array; the classifier wants floats."""
    return np.asarray(values, dtype=float)


def _pipeline(seed: int) -> Pipeline:
    features = ColumnTransformer(
        [
            (
                "chars",
                TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True),
                TEXT_COLUMN,
            ),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=WORDS
                ),
                TEXT_COLUMN,
            ),
            ("rule", FunctionTransformer(_as_float), [RULE_COLUMN]),
        ]
    )
    classifier = LogisticRegression(
        solver="liblinear", class_weight="balanced", random_state=seed, max_iter=1000
    )
    return Pipeline([("features", features), ("classifier", classifier)])


def _rule_answers(examples: Sequence[Mapping[str, Any]]) -> list[Detection]:
    return [detect(str(e["text"]), e.get("language")) for e in examples]


def _matrix(texts: Sequence[str], rule: Sequence[bool]) -> Any:
    matrix = np.empty((len(texts), 2), dtype=object)
    matrix[:, TEXT_COLUMN] = list(texts)
    matrix[:, RULE_COLUMN] = [1.0 if answer else 0.0 for answer in rule]
    return matrix


def insufficient(
    examples: Sequence[Mapping[str, Any]], *, min_per_class: int = 10
) -> dict[str, str]:
    """Per label that cannot be trained yet, why (too few "yes" or "no" reviewer answers)."""
    reasons: dict[str, str] = {}
    for label in LABELS:
        yes = sum(bool(e[label]) for e in examples)
        no = len(examples) - yes
        if min(yes, no) < min_per_class:
            reasons[label] = (
                f"{label}: {yes} yes and {no} no reviewer answers; "
                f"at least {min_per_class} of each are needed to train"
            )
    return reasons


@dataclass
class LearnedModel:
    """Fitted pipelines per label (None when a label had too little data) and their metrics.

    `per_label` has the shape of `evaluation.evaluate()`'s output (precision, recall, f1,
    tp, fp, fn, tn, n) from stratified cross-validation on the training examples, plus
    `folds`. `reasons` explains every label without a pipeline.
    """

    pipelines: dict[str, Any]
    trained_on: int
    per_label: dict[str, dict[str, Any]]
    version: str
    reasons: dict[str, str] = field(default_factory=dict)
    model_format: int = MODEL_FORMAT

    @property
    def labels(self) -> list[str]:
        return [label for label in LABELS if self.pipelines.get(label) is not None]

    def predict(
        self, text: str, language: str | None = None, *, rule: Detection | None = None
    ) -> dict[str, float]:
        """Probability of "yes" per trained label. Pass `rule` to reuse a detection."""
        found = rule if rule is not None else detect(text, language)
        answers = found.as_dict()
        result: dict[str, float] = {}
        for label in self.labels:
            matrix = _matrix([text], [answers[label]])
            result[label] = float(self.pipelines[label].predict_proba(matrix)[0, 1])
        return result

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        pickle.dump(self, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> LearnedModel:
        """Load bytes written by `to_bytes()`.

        Unpickling runs code: only ever pass bytes this application produced and stored
        itself (e.g. its own database row), never uploaded or otherwise untrusted bytes.
        """
        model = pickle.loads(data)  # noqa: S301 - our own stored models only, see docstring
        if not isinstance(model, cls):
            raise TypeError(f"expected a LearnedModel, got {type(model).__name__}")
        if model.model_format != MODEL_FORMAT:
            raise ValueError(
                f"model format {model.model_format} is not {MODEL_FORMAT}; train it again"
            )
        return model


def _version(examples: Sequence[Mapping[str, Any]], seed: int) -> str:
    digest = hashlib.sha256()
    for e in examples:
        digest.update(str(e["text"]).encode("utf-8"))
        digest.update(b"\0" + "".join("1" if e[label] else "0" for label in LABELS).encode())
    return (
        f"f{MODEL_FORMAT}-rules{DETECTOR_VERSION}-sklearn{sklearn.__version__}"
        f"-n{len(examples)}-seed{seed}-{digest.hexdigest()[:12]}"
    )


def train(
    examples: Sequence[Mapping[str, Any]], *, min_per_class: int = 10, seed: int = 0
) -> LearnedModel | None:
    """Fit one pipeline per label on reviewer answers; None when no label has enough data.

    Each example needs `text`, the reviewer's booleans `homework_assigned` and
    `homework_reviewed`, and optionally `language`. See `insufficient()` for the reasons.
    """
    reasons = insufficient(examples, min_per_class=min_per_class)
    if len(reasons) == len(LABELS):
        return None
    texts = [str(e["text"]) for e in examples]
    rules = [d.as_dict() for d in _rule_answers(examples)]
    pipelines: dict[str, Any] = {}
    cv_predicted: list[dict[str, bool]] = [dict(r) for r in rules]
    folds: dict[str, int] = {}
    for label in LABELS:
        if label in reasons:
            pipelines[label] = None
            continue
        y = np.array([bool(e[label]) for e in examples], dtype=int)
        matrix = _matrix(texts, [r[label] for r in rules])
        smallest = int(min(y.sum(), len(y) - y.sum()))
        folds[label] = min(CV_FOLDS, smallest)
        splitter = StratifiedKFold(n_splits=folds[label], shuffle=True, random_state=seed)
        guesses = cross_val_predict(_pipeline(seed), matrix, y, cv=splitter)
        for row, guess in zip(cv_predicted, guesses, strict=True):
            row[label] = bool(guess)
        pipelines[label] = _pipeline(seed).fit(matrix, y)
    metrics = evaluate(
        {**{label: e[label] for label in LABELS}, "predicted": predicted}
        for e, predicted in zip(examples, cv_predicted, strict=True)
    )
    per_label = {label: {**metrics[label], "folds": folds[label]} for label in folds}
    return LearnedModel(
        pipelines=pipelines,
        trained_on=len(examples),
        per_label=per_label,
        version=_version(examples, seed),
        reasons=reasons,
    )


def combine(
    rule: Detection, probabilities: Mapping[str, float], threshold: float = 0.5
) -> dict[str, dict[str, Any]]:
    """Per label: the rule answer, the model probability and a suggestion — never an answer.

    `suggestion` is the model's answer (probability >= threshold) when the model has that
    label, else the rule's. It is shown to the reviewer as a hint only; the reviewer's answer
    always wins and nothing here records or changes one.
    """
    answers = rule.as_dict()
    result: dict[str, dict[str, Any]] = {}
    for label in LABELS:
        probability = probabilities.get(label)
        has_model = probability is not None
        result[label] = {
            "rule": bool(answers[label]),
            "probability": probability,
            "suggestion": bool(probability >= threshold)
            if probability is not None
            else bool(answers[label]),
            "source": "model" if has_model else "rules",
        }
    return result
