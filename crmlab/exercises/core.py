"""Exercise definitions, the registry, and the student's workbook context.

An :class:`Exercise` computes its expected answer *from the student's own
dataset* (``expected(data)``), so the right answer follows the student's seed.
Common mistakes are modelled the same way: a :class:`Mistake` computes the
wrong answer a student would get by that mistake, and when the student's
answer matches it the feedback names the mistake.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crmlab.exercises.kinds import Kind, Verdict

__all__ = ["Exercise", "Mistake", "register", "get", "all_exercises", "Workbook", "workbook",
           "evaluate"]


@dataclass(frozen=True)
class Mistake:
    """A common wrong answer, computed from the data, and what to say about it."""

    compute: Callable[[Any], Any]
    message: str


@dataclass(frozen=True)
class Exercise:
    """One checked exercise.

    Parameters
    ----------
    id : str
        ``"chNN.short-name"``; the chapter is the part before the dot.
    title, prompt : str
        English, with the Chinese key term beside it.
    kind : Number, Choice, MultiChoice, Text, Table or Function
        How answers are read and compared.
    expected : callable
        ``expected(data) -> answer`` for the student's dataset.
    hints : tuple of str
        Shown one at a time, in order.
    explanation : str
        Shown once the answer is right.
    mistakes : tuple of Mistake
        Common wrong answers with specific feedback.
    scenario : str
        Which dataset the exercise uses.
    points : float
        Its weight in the grade.
    practice : bool
        True for exercises embedded in a chapter notebook only: they are
        checked on the shared practice dataset, are not part of the hand-in and
        do not count towards a grade.  Homework exercises (``False``) are
        checked on the student's own dataset and graded.
    """

    id: str
    title: str
    prompt: str
    kind: Kind
    expected: Callable[[Any], Any]
    hints: tuple[str, ...] = ()
    explanation: str = ""
    mistakes: tuple[Mistake, ...] = ()
    scenario: str = "retail"
    points: float = 1.0
    practice: bool = False

    @property
    def chapter(self) -> str:
        return self.id.split(".", 1)[0]


_REGISTRY: dict[str, Exercise] = {}
_LOADED = False


def register(*exercises: Exercise) -> None:
    for ex in exercises:
        if "." not in ex.id or not ex.id.startswith("ch"):
            raise ValueError(f"exercise id {ex.id!r} must look like 'ch02.cohort-m3'")
        if ex.id in _REGISTRY and _REGISTRY[ex.id] is not ex:
            raise ValueError(f"exercise id {ex.id!r} is defined twice")
        _REGISTRY[ex.id] = ex


def _load_chapters() -> None:
    """Import every ``crmlab.exercises.chNN`` module (each registers its exercises)."""
    global _LOADED
    if _LOADED:
        return
    import crmlab.exercises as pkg

    for mod in sorted(m.name for m in pkgutil.iter_modules(pkg.__path__)):
        if mod.startswith("ch") and mod[2:].isdigit():
            importlib.import_module(f"crmlab.exercises.{mod}")
    _LOADED = True


def all_exercises() -> dict[str, Exercise]:
    _load_chapters()
    return dict(sorted(_REGISTRY.items()))


def get(exercise_id: str) -> Exercise:
    """The exercise with this id (``ValueError`` listing the chapter's ids if unknown)."""
    _load_chapters()
    if isinstance(exercise_id, str) and exercise_id in _REGISTRY:
        return _REGISTRY[exercise_id]
    chapter = str(exercise_id).split(".", 1)[0]
    same = [k for k in _REGISTRY if k.startswith(chapter + ".")]
    known = same or sorted({k.split(".")[0] for k in _REGISTRY})
    raise ValueError(f"unknown exercise {exercise_id!r}; "
                     + (f"exercises in {chapter}: " if same else "chapters: ") + ", ".join(known))


def evaluate(ex: Exercise, answer, data) -> Verdict:
    """Check ``answer`` against the exercise's expected answer on ``data``."""
    verdict = ex.kind.check(answer, ex.expected(data))
    if verdict.status == "wrong":
        for mistake in ex.mistakes:
            try:
                wrong = mistake.compute(data)
            except Exception:  # a mistake model that does not apply to this data
                continue
            if ex.kind.check(answer, wrong).correct:
                verdict = Verdict("wrong", mistake.message, verdict.details)
                break
    if verdict.correct and ex.explanation:
        verdict.message = (verdict.message + " " if verdict.message else "") + ex.explanation
    return verdict


# ---------------------------------------------------------------- workbook
PRACTICE_SEED = 2024  # the committed datasets' seed: everyone's data without a student id


@dataclass
class Workbook:
    """Who is working and on which data: a student id gives that student's seed."""

    student_id: str | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def seed(self) -> int:
        from crmlab.seeds import seed_for

        return PRACTICE_SEED if self.student_id is None else seed_for(self.student_id)

    def data(self, scenario: str = "retail"):
        """The dataset of this student for a scenario (cached)."""
        key = (scenario, self.seed)
        if key not in self._cache:
            self._cache[key] = dataset_for(scenario, self.seed)
        return self._cache[key]


def dataset_for(scenario: str, seed: int):
    """The dataset every exercise of ``scenario`` uses for ``seed``.

    The practice seed is the committed dataset (loaded, fast); any other seed
    is generated with the committed dataset's size.
    """
    from crmlab.data.generate import generate
    from crmlab.data.io import DEFAULT_DATASETS, load

    if scenario not in DEFAULT_DATASETS:
        raise ValueError(f"no default dataset for scenario {scenario!r}")
    args = dict(DEFAULT_DATASETS[scenario])
    if seed == args["seed"]:
        return load(scenario)
    args["seed"] = seed
    return generate(**args)


_WORKBOOK = Workbook()


def workbook() -> Workbook:
    return _WORKBOOK
