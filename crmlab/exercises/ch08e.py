"""Chapter 08e — the capstone (综合案例): diagnose your own firm.

Each student's firm (:func:`crmlab.case`, opened with :func:`crmlab.start_case`) hides a
few problems drawn from the catalogue :data:`crmlab.capstone.PROBLEMS`.  One exercise
asks which problems the firm has; one per problem of the catalogue asks where it is and
how large (or ``"none"``), with the :class:`~crmlab.exercises.kinds.Diagnosis` kind.

What an answer is compared with is :func:`crmlab.capstone.reference_findings`: the
planted truth when the firm carries it (the grader rebuilds every firm with the
instructor's salt), else the reference diagnosis of the observed tables (a student's own
folder has no truth).  The homework is ``exercises/08e_capstone.ipynb``.
"""

from __future__ import annotations

import pandas as pd

from crmlab import capstone
from crmlab.capstone import PROBLEMS
from crmlab.exercises.core import CASE, Exercise, Mistake, per_dataset, register
from crmlab.exercises.kinds import Choice, Diagnosis, MultiChoice


@per_dataset
def reference(data) -> dict:
    """Per problem of the catalogue: ``(where, size)`` or ``None`` (cached per firm)."""
    return capstone.reference_findings(data)


def problems_found(data) -> list[str]:
    return [pid for pid, found in reference(data).items() if found is not None]


def _at(data, pid: str, values: pd.Series | float | None, sign: float = 1.0):
    """A mistaken answer at the reference place: ``(where, value)``; ``None`` if the firm
    does not have the problem (no mistake to model then)."""
    found = reference(data)[pid]
    if found is None:
        return None
    where = found[0]
    if isinstance(values, pd.Series):
        if where not in values.index:
            return None
        values = values[where]
    return (where, sign * float(values))


def _logins_per_employee(data):
    """Logins per employee over all the weeks after the ramp-up (not per week)."""
    return _at(data, "unused_crm", capstone.usage_by_region(data, per_employee=True))


def _unresolved_all_tickets(data):
    return _at(data, "recovery_failure", capstone.unresolved_by_region(data, False))


def _wave_all_churners(data):
    found = reference(data)["price_war"]
    mc = capstone.monthly_churn(data)
    if found is None or mc is None:
        return None
    first, _, last = str(found[0]).partition("..")
    months = pd.period_range(first, last or first, freq="M")
    return (found[0], float(mc["churned"].reindex(months, fill_value=0).sum()))


def _uplift_reversed(data):
    found = reference(data)["cannibal_campaign"]
    return None if found is None else (found[0], -found[1])


def _raw_emails(data):
    return _at(data, "data_silo", capstone.duplicates_by_region(data, standardise=False))


def _problem_exercise(pid: str, short: str, title: str, prompt: str, hints: tuple,
                      explanation: str, mistakes: tuple, example: tuple) -> Exercise:
    p = PROBLEMS[pid]
    return Exercise(
        id=f"ch08e.{short}",
        title=title,
        prompt=prompt + f' The size is the {p.size}. Answer "none" if your firm does not have '
                        f"this problem, else (where, size), e.g. {example!r}.",
        kind=Diagnosis(where=p.where, tolerance=p.tolerance, relative=p.relative,
                       size_name=p.size, example=example),
        expected=lambda d, pid=pid: reference(d)[pid],
        scenario=CASE,
        hints=hints,
        explanation=explanation,
        mistakes=mistakes,
    )


_OPTIONS = {pid: f"{p.name} ({p.name_zh})" for pid, p in PROBLEMS.items()}

register(
    Exercise(
        id="ch08e.problems",
        title="Which problems does your firm have?",
        prompt="Tick every problem your firm has (the brief says how many there are). Each "
               "one leaves a symptom in the observed tables; a region or campaign that is only "
               "a little worse than the others is noise, not a problem.",
        kind=MultiChoice(options=_OPTIONS),
        expected=problems_found,
        scenario=CASE,
        hints=("Go through the catalogue one problem at a time, each with its chapter's "
               "method, and compare every region (or campaign, or month) with the others.",),
        explanation="A diagnosis starts from the symptoms in the data, compared with what is "
                    "usual in the same firm.",
    ),
    _problem_exercise(
        "unused_crm", "unused-crm", "A CRM that is live but unused (CRM上线却无人使用)",
        "Is there a region whose CRM is live (regions.crm_rollout_date) but which its staff "
        "hardly use? Measure the **CRM usage (CRM使用率)** in crm_usage: logins per employee "
        "and week, counted from eight weeks after the region's go-live (the ramp-up) on.",
        ("crm_usage has one row per employee and week; join region_id from employees, keep "
         "the weeks at least 8 weeks after the region's crm_rollout_date.",
         "crmlab.evaluation.usage_kpi(...) gives logins_per_week per region (period=None)."),
        "A CRM that nobody uses cannot change anything: usage is the first thing to check "
        "before judging a roll-out (chapter 06).",
        (Mistake(_logins_per_employee,
                 "that is logins per employee over the whole period; divide by the number "
                 "of weeks: the size is per employee and week"),),
        ("R03", 0.8)),
    _problem_exercise(
        "recovery_failure", "recovery-failure", "Service recovery that fails (服务补救失败)",
        "Is there a region where **service recovery (服务补救)** fails: where complaints "
        "(tickets with ticket_type 'complaint') are left unresolved far more often than "
        "elsewhere? The region of a ticket is its customer's region.",
        ("Keep the complaint tickets, map customer_id to region_id (customers), and take the "
         "share with outcome == 'unresolved' per region.",
         "Compare each region's share with the other regions' (a binomial test tells noise "
         "from a real difference)."),
        "Unresolved complaints drive customers away (chapter 04b): a region that fails at "
        "recovery loses customers the firm could have kept.",
        (Mistake(_unresolved_all_tickets,
                 "you took every ticket; the problem is in the complaints (ticket_type "
                 "'complaint'): questions and requests are rarely 'unresolved'"),),
        ("R02", 0.5)),
    _problem_exercise(
        "price_war", "price-war", "A price-war churn wave (价格战引发的流失潮)",
        "Is there a period of a few months in which contracts end far more often than in the "
        "months around (a competitor's price war)? Give the period as 'YYYY-MM..YYYY-MM' "
        "(its first month must be within one month of the wave's). Only a firm with contracts "
        "(telecom) can show it; a retail firm's churn is silent.",
        ("Per month: contracts at risk (started before, not ended) and contracts ended; the "
         "monthly churn rate is their ratio.",
         "Extra churners = those who left in the wave minus what the usual rate (the median "
         "of the months around) would give for the same contracts at risk."),
        "A wave that ends by itself is a market event, not the firm's service: it calls for "
        "a retention offer in time, not a new process (chapter 02).",
        (Mistake(_wave_all_churners,
                 "that counts every contract that ended in the wave; the size is the extra "
                 "churners above the usual monthly rate"),),
        ("2023-04..2023-06", 150)),
    _problem_exercise(
        "cannibal_campaign", "cannibal-campaign",
        "A campaign that cannibalises sales (蚕食常规销售的营销活动)",
        "Is there a campaign whose contacted customers (group 'treatment') respond less than "
        "its control group? Measure the **uplift (增量)**: the response rate of the treatment "
        "group minus that of the control group (negative if the campaign cannibalises).",
        ("crmlab.campaigns.campaign_uplift(data.campaign_contacts, data.campaigns) gives "
         "uplift with an interval per campaign.",),
        "Without a control group this campaign would have looked like a success: its "
        "contacted customers bought, but less than they would have without it (chapter 05b).",
        (Mistake(_uplift_reversed,
                 "right size, wrong sign: the uplift is treatment minus control, negative for a "
                 "campaign that cannibalises"),),
        ("M007", -0.08)),
    _problem_exercise(
        "data_silo", "data-silo", "Duplicate customers from a data silo (数据孤岛造成的重复客户)",
        "Is there a region whose customers are entered twice (a second system, 数据孤岛)? "
        "Count the customer records that repeat an e-mail address already on file, after "
        "standardising the e-mails, per customer of the region (customers whose e-mail was "
        "seen before are duplicates; the first record of each address is the person).",
        ("crmlab.cleaning.standardise_emails(data.customers['email']) writes every address "
         "the same way.",
         "duplicated(keep='first') marks the later records of an address; count them per "
         "region and divide by the region's persons (the first records)."),
        "Duplicates split one customer's history in two: the firm counts too many customers "
        "and too little value for each (chapter 07).",
        (Mistake(_raw_emails,
                 "you compared the e-mails as written; standardise them first (case, spaces, "
                 "'mailto:'), or the second system's records hide"),),
        ("R05", 0.1)),
    Exercise(
        id="ch08e.memo-finding",
        title="A finding for the board",
        prompt="Which sentence may go into your memo's findings as it stands (for the region, "
               "campaign or period you found)?",
        kind=Choice(
            options={"a": "The problem costs the firm exactly the revenue gap between that "
                          "region and the best region.",
                     "b": "The symptom, measured: e.g. 'in R03, 0.4 CRM logins per employee-week "
                          "after go-live against a median of 9 in the other live regions', "
                          "with how many customers or complaints it concerns.",
                     "c": "The problem is caused by poor management in that region.",
                     "d": "Fixing it will bring the firm back to its 2022 revenue."},
            feedback={"a": "regions differ for many reasons; a gap between regions is not the "
                           "cost of one problem without a comparison that holds the rest equal",
                      "c": "the data show the symptom, not its cause: a cause is a hypothesis "
                           "to test, and a risk to name",
                      "d": "that is a forecast of what a decision achieves: it belongs in the "
                           "recommendation, with its assumptions"}),
        expected=lambda d: "b",
        scenario=CASE,
        hints=("A finding states what was measured, compared with what is usual.",),
        explanation="Findings report measured symptoms with their comparison; causes and "
                    "effects of a fix are hypotheses for the recommendation and its risks.",
    ),
    Exercise(
        id="ch08e.memo-risks",
        title="What your diagnosis cannot show",
        prompt="Tick every statement that belongs under **Risks** in your memo.",
        kind=MultiChoice(
            options={"a": "a region can look worse by chance: the smaller the sample, the "
                          "larger the difference needed (show the counts or an interval)",
                     "b": "a symptom (e.g. low CRM usage) shows where to look, not why; the "
                          "cause needs a conversation with the people there",
                     "c": "the number of regions of the firm",
                     "d": "the size of each problem is an estimate from one period of data",
                     "e": "the firm's name"},
            feedback={"c": "the number of regions is a fact of the data, not a risk",
                      "e": "the firm's name is not a risk"}),
        expected=lambda d: ["a", "b", "d"],
        scenario=CASE,
        hints=("A risk is something that could make a finding or a recommendation wrong.",),
        explanation="A strong memo says how sure each finding is and what the data cannot "
                    "tell: chance, causes, and estimates that could move.",
    ),
)
