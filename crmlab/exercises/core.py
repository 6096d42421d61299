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
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmlab.exercises.kinds import Kind, Verdict
from crmlab.i18n import _

__all__ = ["Exercise", "Mistake", "register", "get", "all_exercises", "Workbook", "workbook",
           "evaluate", "PRACTICE_SEED", "STUDENT_DATASETS", "student_dataset",
           "student_dataset_args", "dataset_for", "graded_data_sentence", "graded_case_sentence",
           "CASE"]


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
            raise ValueError(_("exercise id {id} must look like 'ch02.cohort-m3'").format(
                                 id=repr(ex.id)))
        if ex.id in _REGISTRY and _REGISTRY[ex.id] is not ex:
            raise ValueError(_("exercise id {id} is defined twice").format(id=repr(ex.id)))
        _REGISTRY[ex.id] = ex


def _load_chapters() -> None:
    """Import every ``crmlab.exercises.chNN`` (or ``chNNx``, e.g. ``ch08b``) module; each
    registers its exercises."""
    global _LOADED
    if _LOADED:
        return
    here = str(Path(__file__).resolve().parent)  # this package's folder, without importing it
    for mod in sorted(m.name for m in pkgutil.iter_modules([here])):
        if re.fullmatch(r"ch\d\d[a-z]?", mod):
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
    message = (_("unknown exercise {id}; exercises in {chapter}: {known}") if same
               else _("unknown exercise {id}; chapters: {known}"))
    raise ValueError(message.format(id=repr(exercise_id), chapter=chapter, known=", ".join(known)))


def evaluate(ex: Exercise, answer, data, cache: dict | None = None) -> Verdict:
    """Check ``answer`` against the exercise's expected answer on ``data``.

    ``cache`` (a dict kept for one dataset) saves the expected answer and the
    common mistakes' answers between checks, so the grader computes each once
    per student however many answers it checks.
    """
    cache = {} if cache is None else cache
    expected, error = computed(cache, data, (ex.id, "expected"), ex.expected)
    if error is not None:
        raise error
    verdict = ex.kind.check(answer, expected)
    if verdict.status == "wrong":
        for i, mistake in enumerate(ex.mistakes):
            wrong, error = computed(cache, data, (ex.id, "mistake", i), mistake.compute)
            if error is not None:  # a mistake model that does not apply to this data
                continue
            if ex.kind.check(answer, wrong).correct:
                verdict = Verdict("wrong", mistake.message, verdict.details)
                break
    if verdict.correct and ex.explanation:
        verdict.message = (verdict.message + " " if verdict.message else "") + _(ex.explanation)
    return verdict


def per_dataset(func):
    """Compute ``func(data, *args)`` once per dataset object (a cache kept on the dataset).

    For the intermediate results several exercises and their mistakes share (an RFM
    table, a fitted model): the cache goes when the dataset goes.  The result is
    shared, so callers must not change it.
    """
    import functools

    @functools.wraps(func)
    def wrapper(data, *args, **kwargs):
        try:
            cache = data.__dict__.setdefault("_exercise_cache", {})
        except AttributeError:  # not a CRMData (a test's stand-in): no cache
            return func(data, *args, **kwargs)
        key = (func.__module__, func.__qualname__, args, tuple(sorted(kwargs.items())))
        if key not in cache:
            cache[key] = func(data, *args, **kwargs)
        return cache[key]

    return wrapper


def computed(cache: dict, data, key, compute):
    """``(compute(data), None)``, or ``(None, the exception)``, computed once per key."""
    if key not in cache:
        try:
            cache[key] = (compute(data), None)
        except Exception as exc:  # noqa: BLE001 - kept, and raised where it matters
            cache[key] = (None, exc)
    return cache[key]


# ---------------------------------------------------------------- workbook
PRACTICE_SEED = 2024  # the committed datasets' seed: everyone's data without a student id

# The datasets the homework is graded on, in the order the notebooks introduce them.  A
# student's dataset of one of these is the committed dataset of that name (same size,
# locale and defects, see ``crmlab.data.io.DEFAULT_DATASETS``) made with the student's seed:
# ``crmlab.start(id, scenario=name)``, the grader and ``crmlab generate --roster`` all make
# it through :func:`student_dataset_args`.
STUDENT_DATASETS: tuple[str, ...] = ("retail", "telecom", "b2b", "retail_dirty", "bank")

CASE = "case"  # the scenario of the capstone's exercises: the firm of crmlab.start_case

_WHAT = {"retail": "retail customers (the online shop)",
         "telecom": "telecom customers (the mobile operator)",
         "bank": "bank customers",
         "b2b": "b2b accounts (leads and opportunities)",
         "retail_zh": "retail customers with Chinese names and places",
         "retail_dirty": "retail customers with data-quality defects"}


def student_dataset_args(scenario: str, seed: int) -> dict:
    """The arguments of :func:`crmlab.generate` that make a student's dataset.

    Parameters
    ----------
    scenario : str
        A committed dataset's name: one of :data:`STUDENT_DATASETS` for the homework, or
        any other name in ``crmlab.data.io.DEFAULT_DATASETS`` (``"bank"``, ``"retail_zh"``).
    seed : int
        The student's seed (:func:`crmlab.seed_for`), or :data:`PRACTICE_SEED`.

    Returns
    -------
    dict
        The committed dataset's arguments with ``seed`` replaced.

    >>> student_dataset_args("telecom", 7)["n_customers"]
    3000
    """
    from crmlab.data.io import DEFAULT_DATASETS

    if scenario not in DEFAULT_DATASETS:
        raise ValueError(_("no student dataset {scenario}; choose one of: {known}").format(
            scenario=repr(scenario), known=", ".join(DEFAULT_DATASETS)))
    return {**DEFAULT_DATASETS[scenario], "seed": int(seed)}


def student_dataset(scenario: str = "retail", student_id: str | int | None = None):
    """The dataset ``crmlab.start(student_id, scenario=scenario)`` gives, without starting.

    Parameters
    ----------
    scenario : str
        A name from :data:`STUDENT_DATASETS` (or another committed dataset's name).
    student_id : str, int or None
        The student id; ``None`` gives the practice dataset (the committed one).

    Returns
    -------
    CRMData
        The student's dataset, the one their homework is graded on.
    """
    from crmlab.seeds import seed_for, validate_student_id

    seed = PRACTICE_SEED if student_id is None else seed_for(validate_student_id(student_id))
    return dataset_for(scenario, seed)


def graded_data_sentence(scenarios: tuple[str, ...] | list[str] = STUDENT_DATASETS) -> str:
    """The sentence the notebooks use to say which data is graded, from the definition.

    Parameters
    ----------
    scenarios : sequence of str
        The datasets a notebook uses, the main one first.

    Returns
    -------
    str
        Markdown, e.g. "Your graded dataset is the one `crmlab.start(your id)` makes:
        5,000 retail customers (the online shop), made from your student id. ..."

    >>> graded_data_sentence(["b2b"])[:66]
    'Your graded dataset is the one `crmlab.start(your id)` makes: 300 '
    """
    scenarios = list(dict.fromkeys(scenarios))
    if not scenarios:
        raise ValueError(_("name at least one scenario"))
    parts = []
    for i, name in enumerate(scenarios):
        size = f"{student_dataset_args(name, PRACTICE_SEED)['n_customers']:,} {_WHAT[name]}"
        parts.append(size if i == 0 else f'with `scenario="{name}"`, {size}')
    if len(scenarios) == 1:
        head = "Your graded dataset is the one `crmlab.start(your id)` makes: " + parts[0]
        whose = ", made from your student id"
    else:
        listed = ", ".join(parts[:-1]) + (", and " if len(parts) > 2 else " and, ") + parts[-1]
        head = "Your graded datasets are the ones `crmlab.start(your id)` makes: " + listed
        whose = ", all made from your student id"
    practice = ("the committed datasets" if len(scenarios) > 1 else "the committed dataset")
    return (f"{head}{whose}. Without an id, `crmlab.start()` gives the practice data "
            f"({practice}: the same size, the same for everyone), which is not graded.")


def graded_case_sentence() -> str:
    """What the capstone notebook says about which firm is graded, from the definitions.

    >>> graded_case_sentence()[:60]
    'Your graded firm is the folder your instructor gives you (ma'
    """
    from crmlab.capstone import CASE_CUSTOMERS

    return ("Your graded firm is the folder your instructor gives you (made by `crmlab case` "
            "from your student id and a salt only the instructor knows): open it with "
            "`crmlab.start_case(your id, folder=...)`. Without a folder, "
            "`crmlab.start_case(your id)` builds a self-study firm of "
            f"{CASE_CUSTOMERS['retail']:,} retail customers from your id with the public salt "
            "(anyone can rebuild it, and what is hidden in it), and `crmlab.start_case()` "
            "the practice firm, the same for everyone, which is not graded.")


_BOX_WIDTH = 72


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` columns (a Chinese character counts two), broken at spaces
    where there are spaces, else between characters (Chinese has no spaces).

    >>> wrap("aa bb cc", 5)
    ['aa bb', 'cc']
    >>> wrap("你的答案已保存。", 8)
    ['你的答案', '已保存。']
    """
    import re
    import textwrap

    if text.isascii():
        return textwrap.wrap(text, width)
    # tokens: a run of non-space ASCII (a word, kept whole), a space, one wide character
    tokens = re.findall(r"[!-~]+| +|[^\x00-\x7f]", text)
    lines, line = [], ""
    for tok in tokens:
        if tok.startswith(" ") and not line:
            continue
        if _width(line + tok) <= width:
            line += tok
        else:
            lines.append(line.rstrip())
            line = "" if tok.startswith(" ") else tok
    if line.strip():
        lines.append(line.rstrip())
    return lines


def boxed(title: str, lines: list[str], width: int = _BOX_WIDTH) -> str:
    """A notice framed in a box, so it stands out in a notebook's output.

    Parameters
    ----------
    title : str
        The first line, in capitals by convention.
    lines : list of str
        Paragraphs, wrapped to the box's width.
    width : int
        Inner width in characters (Chinese characters count two).

    Returns
    -------
    str
        The box, one line per row.

    >>> print(boxed("NOTE", ["Hello."], width=10))
    ┏━━━━━━━━━━━━┓
    ┃ NOTE       ┃
    ┃ Hello.     ┃
    ┗━━━━━━━━━━━━┛
    """
    rows = [title]
    for para in lines:
        rows += wrap(para, width) or [""]
    body = [f"┃ {row}{' ' * (width - _width(row))} ┃" for row in rows]
    return "\n".join(["┏" + "━" * (width + 2) + "┓", *body, "┗" + "━" * (width + 2) + "┛"])


def start_notice(student_id: str | None, saved_id: str | None, n_saved: int,
                 call: str = "crmlab.start") -> str:
    """The warnings :func:`crmlab.start` shows ('' when there is nothing to warn about).

    Parameters
    ----------
    student_id : str or None
        The id given to ``start`` (``None``: practice mode).
    saved_id : str or None
        The id this folder's progress file was last used with.
    n_saved : int
        How many answers the progress file holds.
    call : str
        The function the box tells the student to call with their id.

    Returns
    -------
    str
        Zero, one or two boxes.
    """
    boxes = []
    if student_id is None:
        boxes.append(boxed(_("PRACTICE MODE: no student id (练习模式：未提供学号)"), [
            _("You are working on the practice data, the same for everyone. Answers checked "
              "now are not graded: the grader checks every answer again on your own dataset."),
            _('For graded work start with your id: {call}("2023012345") (or put it in '
              "STUDENT_ID) and run the notebook again from the top.").format(call=call)]))
    if n_saved and saved_id != student_id:
        was = (_("in practice mode") if saved_id is None
               else _("under {id}").format(id=saved_id))
        now = _("in practice mode") if student_id is None else student_id
        boxes.append(boxed(_("ANOTHER STUDENT ID IN THIS FOLDER (学号与进度文件不一致)"), [
            _("{n} answer(s) in this folder's progress file (crmlab-progress.json) were saved "
              "{was}; you are now {now}.").format(n=n_saved, was=was, now=now),
            _("A hand-in holds every answer in that file, and each is graded on the dataset of "
              "the id on the hand-in. Check your answers again under your own id, or work in a "
              "folder of your own.")]))
    return "\n".join(boxes)


@dataclass
class Workbook:
    """Who is working and on which data: a student id gives that student's seed."""

    student_id: str | None = None
    case: Any = field(default=None, repr=False)  # the capstone firm (crmlab.start_case)
    _cache: dict = field(default_factory=dict, repr=False)
    _started: tuple = field(default=(), repr=False)  # (id, scenarios) of the last start calls

    @property
    def seed(self) -> int:
        from crmlab.seeds import seed_for

        return PRACTICE_SEED if self.student_id is None else seed_for(self.student_id)

    def data(self, scenario: str = "retail"):
        """The dataset of this student for a scenario (cached); ``"case"``: the capstone
        firm :func:`crmlab.start_case` opened."""
        if scenario == CASE:
            if self.case is None:
                raise ValueError(_("no capstone firm open: run crmlab.start_case(STUDENT_ID, "
                                   "folder=...) first (see the top of the capstone notebook)"))
            return self.case
        key = (scenario, self.seed)
        if key not in self._cache:
            self._cache[key] = dataset_for(scenario, self.seed)
        return self._cache[key]

    def announce(self, scenario: str) -> bool:
        """Whether ``start`` should show its warnings in full for this call.

        The first call, a call with another id, and a call for a scenario already
        started (the cell run again) show them; the next scenarios of the same
        cell (``start(id, scenario="telecom")`` after ``start(id)``) refer to them.
        """
        if self._started and self._started[0] == self.student_id \
                and scenario not in self._started[1]:
            self._started = (self.student_id, self._started[1] | {scenario})
            return False
        self._started = (self.student_id, frozenset({scenario}))
        return True


def dataset_for(scenario: str, seed: int):
    """The dataset every exercise of ``scenario`` uses for ``seed``.

    The practice seed gives the committed dataset (loaded, fast); any other seed
    generates :func:`student_dataset_args` of it.  ``crmlab.start`` and the grader
    both come here, so a student works on exactly the data they are graded on.
    """
    from crmlab.data.generate import generate
    from crmlab.data.io import load

    args = student_dataset_args(scenario, seed)
    if seed == PRACTICE_SEED:
        return load(scenario)
    return generate(**args)


_WORKBOOK = Workbook()


def workbook() -> Workbook:
    return _WORKBOOK
