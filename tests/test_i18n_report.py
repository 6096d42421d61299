"""Hand-in, grading and class-report messages in Chinese (and unchanged in English)."""

import pytest

from crmlab import i18n
from crmlab.exercises import grading, packs


@pytest.fixture
def lang():
    saved = i18n._state["language"]

    def use(language):
        i18n._state["language"] = language

    yield use
    i18n._state["language"] = saved


def test_grading_errors_and_durations_in_both_languages(lang, tmp_path):
    lang("zh")
    with pytest.raises(ValueError, match="名单 .* 不存在"):
        grading.read_roster(tmp_path / "none.csv")
    assert grading._duration(grading.dt.timedelta(hours=3)) == "3 小时"
    lang("en")
    with pytest.raises(ValueError, match="roster .* does not exist"):
        grading.read_roster(tmp_path / "none.csv")
    assert grading._duration(grading.dt.timedelta(hours=3)) == "3 h"


def test_assessment_messages_in_both_languages(lang):
    form = {"format": packs.FORM_FORMAT, "pack": "quiz",
            "exercises": [{"id": "ch03.q", "title": "AOV", "prompt": "?", "kind": "number"}]}
    quiz = packs.Assessment(form)
    lang("zh")
    assert repr(quiz).startswith("测评 quiz：1 道题")
    assert "请传入函数本身" == packs.Assessment._form_verdict(
        {"kind": "function"}, 3).message
    lang("en")
    assert repr(quiz).startswith("Assessment quiz: 1 questions")
    assert packs.Assessment._form_verdict({"kind": "function"}, 3).message == \
        "pass the function itself"
