"""Error messages in Chinese: the input checks students meet most (wrong table, missing
column, text where numbers belong, missing dates) and the grader's findings about unreadable
hand-in files are Chinese after ``crmlab.set_language("zh")`` and unchanged in English; and in
every module, no ``raise`` bypasses the catalogue with a bare text."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pandas as pd
import pytest

import crmlab
from crmlab import _checks, i18n
from crmlab.exercises.submission import HandinError, parse

ROOT = Path(__file__).resolve().parents[1]
# every module's error messages go through the catalogue, but these two: i18n.py's one error
# (an unknown language) is in both languages already, and __init__.py's is Python's own
# "module has no attribute", which tools read
NOT_TRANSLATED = {"crmlab/i18n.py", "crmlab/__init__.py"}
TRANSLATED = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "crmlab").rglob("*.py")
                    if str(p.relative_to(ROOT)) not in NOT_TRANSLATED)


def _inside_a_call(root: ast.AST, node: ast.AST) -> bool:
    """Whether ``node`` is within a call under ``root`` (``_("...")``, ``", ".join(...)``)."""
    return any(node in ast.walk(call) for call in ast.walk(root)
               if isinstance(call, ast.Call) and call is not root)


def _is_bare_text(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (  # a code such as "malformed" is no message
        isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value)


def _bare_text_raises(path: Path) -> list[str]:
    """Exceptions made with a text the catalogue never sees -- ``ValueError("text")``,
    ``KeyError(f"...")``, ``ValueError("text " + more)``, ``X(a if c else f"...")`` -- and
    ``warnings.warn(f"...")``, in ``path`` (``ValueError(_("..."))`` is fine)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name == "warn":
            args = node.args[:1]  # warnings.warn(message, category, ...)
        elif name.endswith(("Error", "Exception", "Exit")):
            args = node.args
        else:
            continue
        for arg in args:
            parts = ([n for n in ast.walk(arg) if not _inside_a_call(arg, n)]
                     if isinstance(arg, (ast.BinOp, ast.IfExp, ast.BoolOp)) else [arg])
            if any(_is_bare_text(p) for p in parts):
                found.append(f"{path.name}:{node.lineno}")
    return found


@pytest.mark.parametrize("module", TRANSLATED)
def test_no_error_message_bypasses_the_catalogue(module):
    assert _bare_text_raises(ROOT / module) == []


def _shadowed_underscore(path: Path) -> list[str]:
    """Functions that call ``_()`` but also bind ``_`` (``_, ax = plt.subplots()``): there
    ``_`` is a local variable, and the call fails or calls the wrong thing."""
    found = []
    for func in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        in_comprehension = {id(t) for c in ast.walk(func) if isinstance(c, ast.comprehension)
                            for t in ast.walk(c.target)}  # a comprehension has its own scope
        binds = any(isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)
                    and id(n) not in in_comprehension for n in ast.walk(func))
        calls = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_"
                    for n in ast.walk(func))
        if binds and calls:
            found.append(f"{path.name}:{func.lineno} {func.name}")
    return found


@pytest.mark.parametrize("module", TRANSLATED)
def test_no_function_shadows_the_translation_function(module):
    assert _shadowed_underscore(ROOT / module) == []


def test_the_guard_finds_a_bare_message(tmp_path):
    src = tmp_path / "m.py"
    src.write_text('def f(x):\n    raise ValueError(f"bad {x}")\n'
                   'def g():\n    raise ValueError(_("bad"))\n'
                   'def h():\n    warnings.warn("bad input", stacklevel=2)\n'
                   'def k(w):\n    raise ValueError(w + f"bad {w}")\n'
                   'def m(w):\n    raise ValueError(_("bad {w}").format(w=w) + ", ".join(w))\n'
                   'def n(w):\n    return KeyError(w if w else "no key given")\n',
                   encoding="utf-8")
    assert sorted(_bare_text_raises(src)) == ["m.py:12", "m.py:2", "m.py:6", "m.py:8"]
    src.write_text('def f():\n    _, status = (1, 2)\n    return _("ok")\n'
                   'def g():\n    return [n for n, _ in enumerate("ab")] + [_("x")]\n',
                   encoding="utf-8")
    assert _shadowed_underscore(src) == ["m.py:1 f"]


def _message(call) -> str:
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


CASES = [
    (lambda: _checks.require_columns(pd.DataFrame({"a": [1]}), "orders", ["a", "amount"]),
     "orders is missing column(s) 'amount' (expected: a, amount)",
     "orders 缺少列 'amount'（应有的列：a, amount）"),
    (lambda: _checks.require_columns([1, 2], "orders", ["a"]),
     "orders must be a pandas DataFrame, got list",
     "orders 必须是 pandas DataFrame，而传入的是 list"),
    (lambda: _checks.require_numeric(pd.DataFrame({"amount": ["1", "x", "y"]}), "orders",
                                     ["amount"]),
     "orders.amount holds text, not numbers: 2 rows of 3 are not a number (e.g. 'x'); fix "
     "those rows, then convert with pd.to_numeric(orders['amount'])",
     "orders.amount 存放的是文本，不是数字：3 行中有 2 行不是数字（例如 'x'）；请先修正这些行，"
     "再用 pd.to_numeric(orders['amount']) 转换"),
    (lambda: _checks.require_numeric(pd.DataFrame({"amount": [1.0, -2.0]}), "orders",
                                     ["amount"], non_negative=True, what="amounts"),
     "orders.amount has 1 row with a negative value (e.g. -2.0): amounts cannot be negative; "
     "fix or drop those rows first",
     "orders.amount 有 1 行是负值（例如 -2.0）：金额不能为负；请先修正或删除这些行"),
    (lambda: _checks.require_dates(pd.DataFrame({"order_date": ["2024-01-02", "soon"]}),
                                   "orders", ["order_date"]),
     "orders.order_date holds text, not dates (1 row of 2 cannot be read as a date, e.g. "
     "'soon'): parse it first, e.g. orders['order_date'] = pd.to_datetime(orders['order_date'])",
     "orders.order_date 存放的是文本，不是日期（2 行中有 1 行无法读成日期，例如 'soon'）：请先解析，"
     "例如 orders['order_date'] = pd.to_datetime(orders['order_date'])"),
    (lambda: _checks.require_rows(pd.DataFrame({"a": []}), "orders"),
     "orders is empty (0 rows): nothing to compute from",
     "orders 是空的（0 行）：没有可计算的数据"),
    (lambda: _checks.numeric_array([3, "abc", 4], "durations"),
     "durations holds text, not numbers: 1 of 3 values is not a number (e.g. 'abc')",
     "durations 存放的是文本，不是数字：3 个值中有 1 个不是数字（例如 'abc'）"),
]


@pytest.mark.parametrize("call, english, chinese", CASES)
def test_input_checks_speak_chinese(zh, call, english, chinese):
    assert _message(call) == chinese


@pytest.mark.parametrize("call, english, chinese", CASES)
def test_input_checks_unchanged_in_english(call, english, chinese):
    crmlab.set_language("en")
    try:
        assert _message(call) == english
    finally:
        i18n._state["language"] = None


def test_a_models_own_hint_is_chinese_too(zh):
    from crmlab import lifecycle

    empty = pd.DataFrame({"customer_id": [], "order_date": pd.to_datetime([])})
    message = _message(lambda: lifecycle.customer_summary(empty, as_of="2024-06-30"))
    assert message == "orders 是空的（0 行）：没有可计算的数据；要列出没有订单的客户，请同时传入 customers"


@pytest.mark.parametrize("content, english, chinese", [
    ("", "the file is empty", "文件是空的"),
    ('{"format": "crmlab-handin/2", "student_id": "s1"', "the file ends in the middle of the "
     "data (truncated: copied or saved incompletely?)", "文件在数据中间就结束了（被截断：复制或保存不完整？）"),
    ('{"format": "crmlab-handin/2", "answers": {}}', "the hand-in has no student_id",
     "提交文件没有 student_id"),
    ('{"format": "crmlab-handin/2", "student_id": "s1", "student_id": "s2"}',
     "the key 'student_id' appears twice in one object; a hand-in written by crmlab never "
     "repeats a key", "键 'student_id' 在同一个对象中出现了两次；crmlab 写出的提交文件从不重复键"),
    ('{"format": "other"}', "not a crmlab hand-in file (no 'format': 'crmlab-handin/2')",
     "不是 crmlab 提交文件（没有 'format': 'crmlab-handin/2'）"),
])
def test_unreadable_hand_ins_are_explained_in_both_languages(tmp_path, content, english,
                                                              chinese):
    path = tmp_path / "handin-s1.json"
    path.write_text(content, encoding="utf-8")
    for language, expected in (("en", english), ("zh", chinese)):
        crmlab.set_language(language)
        try:
            with pytest.raises(HandinError) as info:
                parse(path)
        finally:
            i18n._state["language"] = None
        assert str(info.value) == expected


def test_an_oversized_hand_in_names_both_sizes_in_chinese(zh, tmp_path):
    path = tmp_path / "handin-s1.json"
    path.write_text(json.dumps({"x": "y" * 2000}), encoding="utf-8")
    with pytest.raises(HandinError) as info:
        parse(path, max_bytes=1000)
    assert info.value.code == "oversized"
    assert str(info.value) == "文件有 2,009 字节，超过上限 1,000（--max-size）；未读取"
