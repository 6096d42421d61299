"""The workbook in a real browser: JupyterLab in Chromium, used the way a student uses it.

JupyterLab is started from this environment and driven through Playwright (see
conftest.py): the welcome notebook shows its plots; the warm-up homework's student
version (exercises/, what students open) runs, says it is in practice mode and that
nothing is answered yet, and every exercise widget renders; answers typed into the
widgets and into a code cell get the engine's feedback; the Chinese edition of the
warm-up (exercises/zh/) runs and gives Chinese feedback to a wrong answer; and an ``interact`` slider
redraws its plot.  No console errors, no request leaves
127.0.0.1.  Run only these tests with ``python -m pytest tests/browser``; skip them
with ``-m "not browser"``.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

import crmlab
from crmlab.exercises import core
from crmlab.exercises.kinds import Choice, MultiChoice, Number, Text

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
WELCOME = "notebooks/00_welcome.ipynb"
WARMUP = "exercises/00_warmup.ipynb"
WARMUP_ZH = "exercises/zh/00_warmup.ipynb"  # the Chinese edition (crmlab translate build)
SLIDER = "slider_fixture.ipynb"
EXERCISE_CALL = re.compile(r"""crmlab\.exercise\(\s*["']([^"']+)["']\s*\)""")
WIDGET_ERRORS = ("error displaying widget", "model not found")


def normal(text: str) -> str:
    return " ".join(text.split())


def saved_notebook(path: str) -> dict:
    source = ROOT / path
    return json.loads(source.read_text(encoding="utf-8"))


def poll(lab, check, timeout: float, what: str):
    """Call `check` until it returns something truthy; fail with its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value and value[0]:
            return value[1]
        assert time.monotonic() < deadline, f"{what} (after {timeout:.0f} s): {value[1]!r}"
        lab.page.wait_for_timeout(200)


def exercise_box(lab, path: str, exercise_id: str):
    """The exercise widget (VBox) whose prompt names `exercise_id`."""
    boxes = lab.notebook(path).locator(".jp-OutputArea-output > .widget-vbox")
    return boxes.filter(has=lab.page.locator(".widget-html-content > code",
                                             has_text=re.compile(f"^{re.escape(exercise_id)}$")))


def widget_census(lab, path: str) -> dict:
    return lab.js(path, """
        const node = w.content.node;
        const views = [...node.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets')];
        const inViews = sel => views.reduce((n, v) => n + v.querySelectorAll(sel).length, 0);
        const buttons = views.flatMap(v => [...v.querySelectorAll('button')])
                             .map(b => b.textContent.trim());
        return {
            views: views.length,
            exercises: views.map(v => (v.querySelector('.widget-html-content > code') || {})
                                      .textContent || null),
            check: buttons.filter(t => t === 'Check').length,
            hint: buttons.filter(t => t.startsWith('Hint (')).length,
            text: inViews('input[type=text]'),
            radio: inViews('input[type=radio]'),
            checkbox: inViews('input[type=checkbox]'),
            stderr: [...node.querySelectorAll(
                '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
                .map(o => o.innerText),
            text_of_page: node.innerText.toLowerCase(),
        };""")


def expected_census(ids: list[str]) -> dict:
    kinds = [core.get(i).kind for i in ids]
    return {
        "views": len(ids),
        "exercises": ids,
        "check": sum(isinstance(k, (Number, Text, Choice, MultiChoice)) for k in kinds),
        "hint": len(ids),
        "text": sum(isinstance(k, (Number, Text)) for k in kinds),
        "radio": sum(len(k.options) for k in kinds if isinstance(k, Choice)),
        "checkbox": sum(len(k.options) for k in kinds if isinstance(k, MultiChoice)),
    }


@pytest.fixture(scope="module")
def warmup(lab):
    """The warm-up homework open in the browser, all cells run."""
    lab.open(WARMUP)
    lab.run_all(WARMUP)
    return WARMUP


@pytest.fixture(scope="module")
def practice_data():
    return crmlab.load("retail")  # what crmlab.start() without a student id uses


def test_welcome_notebook_shows_its_saved_plots(lab):
    lab.open(WELCOME)
    saved = saved_notebook(WELCOME)
    n_images = sum("image/png" in out.get("data", {})
                   for cell in saved["cells"] if cell["cell_type"] == "code"
                   for out in cell.get("outputs", []))
    assert n_images >= 1
    images = lab.notebook(WELCOME).locator(".jp-RenderedImage img")
    poll(lab, lambda: (images.count() == n_images, images.count()), 30,
         f"the welcome notebook should show its {n_images} saved plots")
    text = lab.js(WELCOME, "return w.content.node.innerText.toLowerCase();")
    assert not [e for e in WIDGET_ERRORS if e in text]

    heading = lab.notebook(WELCOME).locator("h3", has_text="Revenue concentration")
    heading.evaluate("e => e.scrollIntoView({block: 'start'})")
    picture = heading.locator("xpath=ancestor::div[contains(@class, 'jp-Cell ')][1]"
                              "/following-sibling::div[1]//img")
    poll(lab, lambda: (picture.evaluate("img => img.complete && img.naturalWidth > 0"), "not yet"),
         15, "the concentration plot should be drawn")
    lab.screenshot("welcome-notebook.png")
    lab.assert_clean()


def test_warmup_homework_renders_every_widget(lab, warmup):
    ids = [i for cell in saved_notebook(WARMUP)["cells"] if cell["cell_type"] == "code"
           for i in EXERCISE_CALL.findall("".join(cell["source"]))]
    assert ids, "the warm-up homework shows no exercise"
    expected = expected_census(ids)
    poll(lab, lambda: (len(widget_census(lab, warmup)["exercises"]) >= len(ids),
                       widget_census(lab, warmup)["exercises"]),
         30, "every exercise widget should render")
    census = widget_census(lab, warmup)
    text = census.pop("text_of_page")
    # the student version: practice mode, said in a box, and every check waits for an answer
    assert "practice mode: no student id" in text
    assert text.count("not answered yet") == len(ids)
    errors = [e for e in WIDGET_ERRORS if e in text]
    assert not errors, f"widgets failed to render: {errors}"
    assert not census.pop("stderr"), "the warm-up homework writes to stderr"
    assert census == expected
    lab.screenshot("warmup-run.png")
    lab.assert_clean()


def wait_for_feedback(lab, box, status: str, text: str):
    feedback = box.locator(".crmlab-feedback")

    def seen():
        if feedback.count() != 1:
            return False, f"{feedback.count()} feedback boxes"
        classes = (feedback.get_attribute("class") or "").split()
        shown = normal(feedback.inner_text())
        return f"crmlab-{status}" in classes and shown == normal(text), (classes, shown)

    poll(lab, seen, 30, f"feedback should be {status}: {text!r}")


def test_exercise_gives_feedback_for_typed_answers(lab, warmup, practice_data):
    exercise = core.get("ch00.n-customers")
    buyers = str(practice_data.orders["customer_id"].nunique())
    right = str(len(practice_data.customers))
    box = exercise_box(lab, warmup, exercise.id)
    assert box.count() == 1
    answer, check = box.locator("input[type=text]"), box.get_by_role("button", name="Check")

    for typed, status in [("12", "wrong"), ("abc", "invalid"), (buyers, "wrong")]:
        verdict = core.evaluate(exercise, typed, practice_data)
        assert verdict.status == status
        answer.fill(typed)
        check.click()
        wait_for_feedback(lab, box, status, verdict.text())
    # the mistake the engine recognises gets its own explanation
    assert "only customers who bought" in normal(box.locator(".crmlab-feedback").inner_text())

    box.get_by_role("button", name=re.compile(r"^Hint")).click()
    hint = f"💡 {exercise.hints[0]}"
    poll(lab, lambda: (hint in box.inner_text(), box.inner_text()), 20, "the first hint shows")
    assert box.get_by_role("button", name=re.compile(r"^Hint")).inner_text().strip() == \
        f"Hint (1/{len(exercise.hints)})"
    # the README picture: the exercise's heading and cell, with the feedback and the hint
    code_cell = lab.notebook(warmup).locator(".jp-Cell").filter(has=lab.page.locator(
        ".widget-html-content > code", has_text=re.compile(f"^{re.escape(exercise.id)}$")))
    heading_cell = code_cell.locator(
        "xpath=preceding-sibling::div[contains(@class, 'jp-Cell ')][1]")
    heading_cell.evaluate("e => e.scrollIntoView({block: 'start'})")
    lab.screenshot("exercise-feedback.png", between=(heading_cell, code_cell))

    answer.fill(right)
    check.click()
    wait_for_feedback(lab, box, "correct", core.evaluate(exercise, right, practice_data).text())

    # a single choice: click the right option's radio button
    choice = core.get("ch00.churn-observed")
    key = choice.expected(practice_data)
    radio_box = exercise_box(lab, warmup, choice.id)
    radio_box.get_by_label(choice.kind.options[key], exact=True).check()
    radio_box.get_by_role("button", name="Check").click()
    wait_for_feedback(lab, radio_box, "correct",
                      core.evaluate(choice, key, practice_data).text())

    # every click went through the kernel and was saved in the progress file given
    # by CRMLAB_PROGRESS (a temporary file), never next to the notebook; the student
    # version's own check cells (still `...`) saved nothing
    saved = json.loads(lab.server.progress.read_text(encoding="utf-8"))["answers"]
    assert saved[exercise.id]["status"] == "correct" and saved[exercise.id]["answer"] == right
    assert saved[exercise.id]["attempts"] == 4  # 4 clicks on Check
    assert saved[choice.id]["status"] == "correct" and saved[choice.id]["attempts"] == 1
    assert not list((lab.server.root / "exercises").glob("*progress*"))
    lab.assert_clean()


def test_answer_typed_into_a_code_cell_is_checked(lab, warmup, practice_data):
    """What a student does with the student version: replace the `...` and run the cell."""
    exercise = core.get("ch00.n-customers")
    cell = lab.notebook(warmup).locator(".jp-CodeCell").filter(
        has=lab.page.locator(".jp-InputArea", has_text=f'crmlab.check("{exercise.id}"'))
    assert cell.count() == 1
    editor = cell.locator(".cm-content")
    assert "n_customers = ...  # your answer" in editor.inner_text()
    editor.click()
    lab.page.keyboard.press("ControlOrMeta+a")
    lab.page.keyboard.insert_text("n_customers = len(data.customers)\n"
                                  f'crmlab.check("{exercise.id}", n_customers)')
    lab.page.keyboard.press("Shift+Enter")
    feedback = cell.locator(".crmlab-feedback")
    right = core.evaluate(exercise, len(practice_data.customers), practice_data).text()
    poll(lab, lambda: (feedback.count() == 1 and "crmlab-correct" in (
        feedback.get_attribute("class") or "") and normal(feedback.inner_text()) ==
        normal(f"{right}"), feedback.all_inner_texts()), 30,
        "the typed answer should be checked and correct")
    saved = json.loads(lab.server.progress.read_text(encoding="utf-8"))["answers"]
    assert saved[exercise.id]["status"] == "correct"
    assert saved[exercise.id]["answer"] == len(practice_data.customers)
    assert not list((lab.server.root / "exercises").glob("*progress*"))
    lab.assert_clean()


def test_slider_redraws_the_plot(lab):
    lab.open(SLIDER)
    lab.run_all(SLIDER)
    interact = lab.notebook(SLIDER).locator(".widget-interact")
    slider = interact.get_by_role("slider")
    readout = interact.locator(".widget-readout")
    image = interact.locator(".widget-output img")
    poll(lab, lambda: (image.count() == 1, image.count()), 30, "the plot should show")
    before = image.get_attribute("src")
    assert before.startswith("data:image/png;base64,")
    assert slider.get_attribute("aria-valuenow").startswith("20") and readout.inner_text() == "20"

    slider.focus()
    for _ in range(4):
        slider.press("ArrowRight")
    poll(lab, lambda: (readout.inner_text() == "40", readout.inner_text()), 20,
         "the slider should move to 40")

    def redrawn():
        srcs = [image.nth(i).get_attribute("src") for i in range(image.count())]
        kernel = lab.js(SLIDER, "return w.sessionContext.session.kernel.status;")
        return len(srcs) == 1 and srcs[0] != before and kernel == "idle", (len(srcs), kernel)

    poll(lab, redrawn, 30, "the plot should be redrawn for the new slider value")
    after = image.get_attribute("src")
    assert after.startswith("data:image/png;base64,") and after != before
    interact.evaluate("e => e.scrollIntoView({block: 'center'})")
    lab.screenshot("slider.png", between=(interact, interact))
    lab.assert_clean()


def test_live_plot_redraws_its_one_figure_in_place(lab):
    """crmlab.interactive.live_plot: the saved figure is a normal output, and moving the
    slider replaces it (a display id), never adding a second, stale copy."""
    lab.open(SLIDER)
    lab.run_all(SLIDER)
    cell = lab.notebook(SLIDER).locator(".jp-CodeCell").nth(2)
    slider = cell.get_by_role("slider")
    images = cell.locator(".jp-OutputArea-output img")
    poll(lab, lambda: (images.count() == 1, images.count()), 30, "the live_plot figure should show")
    before = images.first.get_attribute("src")
    assert slider.get_attribute("aria-valuenow").startswith("30")

    slider.focus()
    for _ in range(3):
        slider.press("ArrowRight")

    def redrawn():
        srcs = [images.nth(i).get_attribute("src") for i in range(images.count())]
        kernel = lab.js(SLIDER, "return w.sessionContext.session.kernel.status;")
        return len(srcs) == 1 and srcs[0] != before and kernel == "idle", (len(srcs), kernel)

    poll(lab, redrawn, 30, "the one figure should be redrawn for the new slider value")
    assert slider.get_attribute("aria-valuenow").startswith("45")
    lab.assert_clean()


def test_chinese_warmup_gives_chinese_feedback_to_a_wrong_answer(lab, practice_data):
    """The Chinese warm-up (exercises/zh/00_warmup.ipynb), as a student opens it: it runs
    without errors, its text and its buttons are Chinese, and a wrong number typed into an
    exercise gets the engine's Chinese feedback (the kernel is Chinese because the notebook
    is in a zh folder)."""
    from crmlab import i18n

    lab.open(WARMUP_ZH)
    lab.run_all(WARMUP_ZH)
    text = lab.js(WARMUP_ZH, "return w.content.node.innerText;")
    assert "热身练习" in text and "提交作业" in text, "the markdown should be Chinese"
    assert "练习模式" in text, "crmlab's practice-mode box should be Chinese"
    assert not [e for e in WIDGET_ERRORS if e in text.lower()]
    exercise = core.get("ch00.n-customers")
    box = exercise_box(lab, WARMUP_ZH, exercise.id)
    poll(lab, lambda: (box.count() == 1, box.count()), 30, "the exercise widget renders")
    answer, check = box.locator("input[type=text]"), box.get_by_role("button", name="检查")
    assert answer.count() == 1 and check.count() == 1
    texts, before = {}, i18n.get_language()
    try:
        for language in ("zh", "en"):
            i18n.set_language(language)
            verdict = core.evaluate(exercise, "12", practice_data)
            assert verdict.status == "wrong"
            texts[language] = verdict.text()
    finally:
        i18n.set_language(before)
    assert texts["zh"] != texts["en"], "the feedback should have a Chinese text"
    expected = texts["zh"]
    answer.fill("12")  # not the number of customers of the practice data
    check.click()
    wait_for_feedback(lab, box, "wrong", expected)
    lab.screenshot("warmup-zh-feedback.png")
    # the same kernel draws crmlab's plots with Chinese labels (a Chinese font is installed
    # on CI; without one they stay English, which the check then expects)
    printed = lab.kernel_prints(WARMUP_ZH, (
        "from crmlab.i18n import plot_language\n"
        "from crmlab.tour import plot_monthly_activity\n"
        "ax = plot_monthly_activity(data)\n"
        "print(plot_language(), ax.get_title(), ax.get_ylabel(), sep='|')\n"
        "import matplotlib.pyplot as plt; plt.close(ax.figure)"))
    language, title, ylabel = printed.strip().split("|")
    if language == "zh" or os.environ.get("CI"):
        assert (language, title, ylabel) == ("zh", "每月订单数与收入", "每月订单数"), printed
    else:
        assert (title, ylabel) == ("Orders and revenue per month", "orders per month"), printed
    lab.assert_clean()
