"""Every answer kind: right, wrong, near miss, wrong type, unanswered."""

import pandas as pd
import pytest

from crmlab.exercises.kinds import Choice, Function, MultiChoice, Number, Table, Text


class TestNumber:
    k = Number(rel_tol=1e-3)

    @pytest.mark.parametrize("answer", [42, 42.0, "42", " 42.01 ", "4.2e1", "42,0000"[:2]])
    def test_right(self, answer):
        assert self.k.check(answer, 42).status == "correct"

    def test_wrong_and_near_miss(self):
        assert self.k.check(50, 42).status == "wrong"
        near = self.k.check(42.5, 42)
        assert near.status == "wrong" and "close but not within the tolerance" in near.message
        assert "wrong sign" in self.k.check(-42, 42).message

    @pytest.mark.parametrize("answer, words", [
        ("forty-two", "'forty-two' is not a number"),
        ([1, 2], "expected a single number, got list"),
        (True, "True/False"),
        (float("nan"), "not a finite number"),
        ({"a": 1}, "expected a single number, got dict"),
    ])
    def test_wrong_type_is_friendly(self, answer, words):
        v = self.k.check(answer, 42)
        assert v.status == "invalid" and words in v.message

    def test_unanswered(self):
        assert self.k.check(..., 42).status == "unanswered"
        assert self.k.check("  ", 42).status == "unanswered"

    def test_fraction_vs_percent_is_explained(self):
        k = Number(abs_tol=0.005, unit="fraction")
        assert k.check(0.621, 0.62).correct
        assert k.check("62%", 0.62).correct  # an explicit % sign is understood
        v = k.check(62, 0.62)
        assert v.status == "wrong" and "looks like a percentage" in v.message and "0.62" in v.message
        p = Number(abs_tol=0.5, unit="percent")
        assert "looks like a fraction" in p.check(0.62, 62).message

    def test_numpy_scalars_and_one_element_arrays(self):
        import numpy as np

        assert self.k.check(np.float64(42), 42).correct
        assert self.k.check(np.array([42.0]), 42).correct
        assert self.k.check(pd.Series([42]), 42).correct


class TestChoice:
    k = Choice({"a": "hook", "b": "zipper", "c": "Velcro"}, feedback={"a": "hook is too rigid"})

    @pytest.mark.parametrize("answer", ["b", "B", " zipper ", "Zipper"])
    def test_right_by_key_or_label(self, answer):
        assert self.k.check(answer, "b").correct

    def test_wrong_with_specific_feedback(self):
        assert self.k.check("a", "b").message == "hook is too rigid"
        assert "'Velcro' is not the best answer" in self.k.check("c", "b").message

    def test_not_an_option(self):
        v = self.k.check("d", "b")
        assert v.status == "invalid" and "'d' is not one of the options" in v.message
        assert self.k.check(3.5, "b").status == "invalid"


class TestMultiChoice:
    k = MultiChoice({"a": "one", "b": "two", "c": "three"}, feedback={"c": "three is odd"})

    def test_right_in_any_order_or_as_text(self):
        assert self.k.check(["b", "a"], ["a", "b"]).correct
        assert self.k.check("a, b", ["a", "b"]).correct

    def test_partial_answers_say_what_is_missing_or_extra(self):
        v = self.k.check(["a", "c"], ["a", "b"])
        assert v.status == "wrong" and "1 of your 2 choices are right" in v.message
        assert "three is odd" in v.details and "1 right option is missing" in v.details

    def test_wrong_type(self):
        assert self.k.check(5, ["a"]).status == "invalid"
        assert self.k.check(["z"], ["a"]).status == "invalid"
        assert self.k.check([], ["a"]).status == "unanswered"


class TestText:
    k = Text(accepted=["customer lifetime value", "客户终身价值"], feedback={"CLV": "spell it out"})

    @pytest.mark.parametrize("answer", ["Customer Lifetime Value", "customer-lifetime value.",
                                        "客户终身价值", "customerlifetimevalue"])
    def test_accepted_forms(self, answer):
        assert self.k.check(answer, "customer lifetime value").correct

    def test_wrong_and_feedback(self):
        assert self.k.check("clv", "customer lifetime value").message == "spell it out"
        assert self.k.check("profit", "customer lifetime value").status == "wrong"
        assert self.k.check(12, "customer lifetime value").status == "invalid"


class TestTable:
    k = Table(rel_tol=1e-3)
    expected = pd.Series({"Champions": 398, "Loyal": 250, "At Risk": 120})

    def test_right_in_any_order(self):
        assert self.k.check(self.expected.iloc[::-1], self.expected).correct
        assert self.k.check(self.expected.to_frame("n"), self.expected).correct

    def test_diffs_name_the_row(self):
        got = self.expected.copy()
        got["Champions"] = 412
        v = self.k.check(got, self.expected)
        assert v.status == "wrong" and "row 'Champions' is 412, expected 398" in v.details

    def test_missing_and_extra_rows(self):
        got = self.expected.drop("Loyal")
        got["Hibernating"] = 3
        v = self.k.check(got, self.expected)
        assert "missing row 'Loyal'" in v.details and "unexpected row 'Hibernating'" in v.details

    def test_dataframes_compare_cell_by_cell(self):
        e = pd.DataFrame({"n": [1, 2], "share": [0.5, 0.5]}, index=["x", "y"])
        g = e.copy()
        g.loc["y", "share"] = 0.4
        v = self.k.check(g, e)
        assert "row 'y', column 'share' is 0.4, expected 0.5" in v.details
        assert "missing column(s) 'share'" in self.k.check(e[["n"]], e).details

    def test_wrong_shape_or_type(self):
        assert self.k.check([398, 250, 120], self.expected).status == "invalid"
        both = pd.DataFrame({"a": [1], "b": [2]})
        assert "got a DataFrame with 2 columns" in self.k.check(both, self.expected).message
        dup = pd.Series([1, 2], index=["Loyal", "Loyal"])
        assert "repeated row labels" in self.k.check(dup, self.expected).message


class TestFunction:
    k = Function()
    cases = [((2, 3), 5.0), ((0, 0), 0.0), ((-1, 1), 0.0)]

    def test_right(self):
        v = self.k.check(lambda a, b: a + b, self.cases)
        assert v.correct and "passed all 3 hidden cases" in v.message

    def test_wrong_cases_are_shown(self):
        v = self.k.check(lambda a, b: a * b, self.cases)
        assert v.status == "wrong" and "2 of 3 hidden cases fail" in v.message
        assert "(2, 3) returned 6, expected 5" in v.details

    def test_errors_in_student_code_are_feedback(self):
        def broken(a, b):
            return a / b

        v = self.k.check(broken, self.cases)
        assert any("raised ZeroDivisionError" in d for d in v.details)

    def test_not_a_function(self):
        assert self.k.check(5, self.cases).status == "invalid"
        assert self.k.check(lambda a, b: "five", self.cases).status == "wrong"
