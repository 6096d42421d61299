"""Chapter 07 — customer information integration (客户信息整合): silos and SQL, data
quality, cleaning and standardisation, the 360° view and privacy.

Every expected answer is computed from the student's own ``retail_dirty`` dataset
(duplicates, gaps, mixed formats and orphan orders planted by the generator) with
:mod:`crmlab.integration`, :mod:`crmlab.cleaning` and :mod:`crmlab.privacy`; the
common wrong computations are modelled as :class:`Mistake` s.
"""

from __future__ import annotations

import pandas as pd

from crmlab.exercises.core import Exercise, Mistake, per_dataset, register
from crmlab.exercises.kinds import Choice, Number, Text

SCENARIO = "retail_dirty"
STANDARD_PHONE = r"^\+1-\d{3}-\d{3}-\d{4}$"  # the form most records of the master table use
QUASI_IDENTIFIERS = ["age", "gender", "city"]


# ------------------------------------------------------------------ shared computations
@per_dataset
def _conn(data):
    from crmlab.integration import connect

    return connect(data)


@per_dataset
def _view(data) -> pd.DataFrame:
    from crmlab.integration import create_customer_view

    return create_customer_view(_conn(data))


@per_dataset
def _cleaned(data):
    from crmlab.cleaning import clean

    return clean(data)


def _sql_count(data, sql: str) -> int:
    from crmlab.integration import run_sql

    return int(run_sql(_conn(data), sql).iloc[0, 0])


# ------------------------------------------------------------------ 1. silos and SQL
BOTH_SQL = ("SELECT COUNT(*) FROM customer_view WHERE n_orders > 0 AND n_tickets > 0")
FAN_OUT_SQL = ("SELECT COUNT(*) FROM orders AS o JOIN tickets AS t "
               "ON o.customer_id = t.customer_id")


def both_systems(data, how: str = "both") -> int:
    """Customers of the master table with at least one order and at least one ticket."""
    view = _view(data)
    if how == "both":
        return int(((view["n_orders"] > 0) & (view["n_tickets"] > 0)).sum())
    if how == "either":
        return int(((view["n_orders"] > 0) | (view["n_tickets"] > 0)).sum())
    return _sql_count(data, FAN_OUT_SQL)  # the rows of a join of two detail tables


def view_orders(data, orders_table: bool = False) -> int:
    """Orders in the customer view (orphan orders have no customer there)."""
    return len(data.orders) if orders_table else int(_view(data)["n_orders"].sum())


ORPHAN_SQL = ("SELECT COUNT(*) FROM orders AS o LEFT JOIN customers AS c "
              "ON o.customer_id = c.customer_id WHERE c.customer_id IS NULL")
NO_ORDERS_SQL = ("SELECT COUNT(*) FROM customers AS c LEFT JOIN orders AS o "
                 "ON o.customer_id = c.customer_id WHERE o.order_id IS NULL")


def orphan_orders(data, how: str = "orphans") -> int:
    """Orders whose customer key resolves to no customer in any form (key_breaks)."""
    from crmlab.integration import key_breaks

    if how == "reversed":  # the LEFT JOIN the wrong way round: customers without orders
        return _sql_count(data, NO_ORDERS_SQL)
    kb = key_breaks(data)
    return int(((kb["table"] == "orders") & (kb["kind"] == "orphan")).sum())


# ------------------------------------------------------------------ 2. data quality
def email_completeness(data, how: str = "share") -> float:
    filled = data.customers["email"].notna()
    if how == "missing":
        return float(1 - filled.mean())
    if how == "count":
        return float(filled.sum())
    return float(filled.mean())


def master_validity(data, after: bool = False, by: str = "system") -> float:
    from crmlab.integration import quality_scorecard

    source = _cleaned(data).data if after else data
    card = quality_scorecard(source, by=by)
    return float(card.loc["master" if by == "system" else "customers", "validity"])


# ------------------------------------------------------------------ 3. cleaning
def phone_other_forms(data, denominator: str = "filled") -> float:
    """Share of the filled phone numbers not written in the master table's usual form."""
    phones = data.customers["phone"]
    if denominator == "changed":  # every phone clean() rewrote, over the filled ones
        log = _cleaned(data).log
        return float((log["column"] == "phone").sum() / phones.notna().sum())
    other = phones.notna() & ~phones.fillna("").str.match(STANDARD_PHONE)
    if denominator == "all":
        return float(other.mean())
    return float(other.sum() / phones.notna().sum())


def ambiguous_dates(data, how: str = "ambiguous") -> int:
    from crmlab.cleaning import parse_dates

    parsed = parse_dates(data.customers["signup_date"])
    if how == "non_iso":
        return int((parsed["rule"] != "iso").sum())
    if how == "slash":
        return int((parsed["rule"] == "mdy_slash").sum())
    return int(parsed["ambiguous"].sum())


# ------------------------------------------------------------------ 4. record linkage
@per_dataset
def _blocking(data) -> pd.DataFrame:
    from crmlab.linkage import candidate_pairs

    return candidate_pairs(data.customers, truth=data.truth.extra["duplicates"]).attrs["report"]


def candidate_pair_count(data, how: str = "union") -> int:
    """Pairs compared after blocking on the phone, the e-mail local part and the name."""
    report = _blocking(data)
    if how == "all_pairs":
        n = len(data.customers)
        return n * (n - 1) // 2
    if how == "sum":  # pairs that share two keys counted twice
        return int(report.drop(index="all")["pairs"].sum())
    return int(report.loc["all", "pairs"])


def phone_block_completeness(data, how: str = "phone") -> float:
    report = _blocking(data)
    if how == "reduction":
        return float(report.loc["phone", "reduction_ratio"])
    return float(report.loc["all" if how == "union" else "phone", "pair_completeness"])


@per_dataset
def _linked(data):
    from crmlab.linkage import link

    return link(data.customers)


DUPLICATE_RECORD = "C001510"  # a record the generator entered again (ids above n_customers)


def golden_id(data, how: str = "golden") -> str:
    from crmlab.linkage import golden_id_map

    if how == "own":
        return DUPLICATE_RECORD
    return str(golden_id_map(_linked(data).golden).loc[DUPLICATE_RECORD])


# ------------------------------------------------------------------ 5. the 360° view
def top_customer(data) -> str:
    """The customer with the highest revenue in the customer view (ties: the first id)."""
    view = _view(data).sort_values(["revenue", "customer_id"], ascending=[False, True])
    return str(view["customer_id"].iloc[0])


@per_dataset
def _profile(data):
    from crmlab.integration import customer_360

    return customer_360(_conn(data), top_customer(data))


def profile_records(data, how: str = "all") -> int:
    counts = _profile(data).counts
    if how == "orders":
        return int(counts.get("orders", 0))
    if how == "no_master":
        return int(counts.sum() - counts.get("customers", 0))
    return int(counts.sum())


# ------------------------------------------------------------------ 6. privacy
def masked_phone(data, how: str = "clean") -> str:
    from crmlab.privacy import mask_phone

    cid = top_customer(data)
    source = _cleaned(data).data.customers
    phone = source.set_index("customer_id").loc[cid, "phone"]
    if isinstance(phone, pd.Series):  # never: customer ids are unique in the master table
        phone = phone.iloc[0]
    if pd.isna(phone):
        return "(no phone)"
    return str(phone) if how == "unmasked" else str(mask_phone(phone))


def email_audience(data, how: str = "audience") -> int:
    from crmlab.privacy import campaign_audience

    c = data.customers
    if how == "consent":
        return int((c["marketing_consent"] == True).sum())  # noqa: E712 - nullable boolean
    if how == "email":
        return int(c["email"].notna().sum())
    return len(campaign_audience(c, "email"))


def unique_share(data, cleaned: bool = True, qis: tuple = tuple(QUASI_IDENTIFIERS)) -> float:
    from crmlab.privacy import k_anonymity

    customers = _cleaned(data).data.customers if cleaned else data.customers
    return float(k_anonymity(customers, list(qis)).unique)


# ------------------------------------------------------------------ the exercises
register(
    # -------------------------------------------------------- practice (chapter notebook)
    Exercise(
        id="ch07.view-orders",
        practice=True,
        scenario=SCENARIO,
        title="Orders in the customer view",
        prompt="Create the customer view (客户视图) of the dirty retail dataset with "
               "create_customer_view(conn) and add up its n_orders column. How many orders "
               "does the view count?",
        kind=Number(rel_tol=0, abs_tol=0.5),
        expected=view_orders,
        hints=("view = create_customer_view(conn); view['n_orders'].sum()",),
        explanation="Fewer than the rows of the orders table: the orphan orders have no "
                    "customer in the master table, so no row of the view counts them.",
        mistakes=(Mistake(lambda d: view_orders(d, orders_table=True),
                          "that is the number of rows of the orders table; the view leaves "
                          "out the orders whose customer is not in the master table"),),
    ),
    Exercise(
        id="ch07.key-break-kind",
        practice=True,
        scenario=SCENARIO,
        title="What kind of broken key?",
        prompt="An order's customer_id is C002351. No customer has that id, written in any "
               "form, in the master table (主数据). What is the order?",
        kind=Choice(
            options={"a": "an orphan record (孤儿记录): its customer never reached the master "
                          "table",
                     "b": "a reformatted key: the same customer written another way",
                     "c": "a duplicate customer (重复客户)",
                     "d": "a missing value (缺失值)"},
            feedback={"b": "a reformatted id (c002351, 2351) would resolve once written the "
                           "standard way; this one resolves in no form",
                      "c": "a duplicate is a second master record of one person; here there "
                           "is no master record at all",
                      "d": "the key is filled; it points to nobody"}),
        expected=lambda d: "a",
        explanation="Orphans need the source system: only it knows who placed the order.",
    ),
    Exercise(
        id="ch07.consent-rule",
        practice=True,
        scenario=SCENARIO,
        title="Consent and a missing answer",
        prompt="A customer never answered the marketing-consent question (同意): "
               "marketing_consent is empty. May an e-mail campaign contact the customer "
               "under the Personal Information Protection Law (个人信息保护法)?",
        kind=Choice(
            options={"a": "no: consent must be given clearly; silence is not consent",
                     "b": "yes: the customer did not object",
                     "c": "yes, if the customer has bought in the last year",
                     "d": "yes, once the e-mail address is masked"},
            feedback={"b": "opt-out is not consent: PIPL asks for a clear, informed "
                           "agreement (Art. 14)",
                      "c": "buying is not agreeing to marketing",
                      "d": "masking is for display; the message still goes to the person"}),
        expected=lambda d: "a",
        explanation="campaign_audience keeps only marketing_consent == True.",
    ),
    # -------------------------------------------------------- homework (graded)
    Exercise(
        id="ch07.both-systems",
        scenario=SCENARIO,
        title="Customers in the sales and the service system",
        prompt="With SQL on your dataset's database: how many customers of the master table "
               "have at least one order (sales system, 销售系统) and at least one ticket "
               "(service system, 客服系统)? Use the customer view (客户视图) or your own "
               "query.",
        kind=Number(rel_tol=0, abs_tol=0.5),
        expected=both_systems,
        hints=("create_customer_view(conn) has n_orders and n_tickets per customer.",
               "SELECT COUNT(*) FROM customer_view WHERE n_orders > 0 AND n_tickets > 0"),
        explanation="Aggregating each system first and joining one row per customer keeps "
                    "every customer once.",
        mistakes=(
            Mistake(lambda d: both_systems(d, "fan_out"),
                    "that is the number of rows of orders JOIN tickets: a customer with 5 "
                    "orders and 2 tickets gives 10 rows (fan-out); count customers, not rows"),
            Mistake(lambda d: both_systems(d, "either"),
                    "those are customers with an order OR a ticket; the question asks for both"),
        ),
    ),
    Exercise(
        id="ch07.orphan-orders",
        scenario=SCENARIO,
        title="Orphan orders",
        prompt="How many orders have a customer_id that does not resolve to any customer of "
               "the master table, in any form (orphan records, 孤儿记录)?",
        kind=Number(rel_tol=0, abs_tol=0.5),
        expected=orphan_orders,
        hints=("crmlab.integration.key_breaks(data) lists the broken keys.",
               "Keep the rows of table 'orders' with kind 'orphan', and count them; or in SQL: "
               "orders LEFT JOIN customers, where the customer is NULL."),
        explanation="Their revenue is in the sales figures but in no customer's profile.",
        mistakes=(Mistake(lambda d: orphan_orders(d, "reversed"),
                          "those are the customers without any order (the LEFT JOIN the wrong "
                          "way round); start from the orders and look for a missing customer"),),
    ),
    Exercise(
        id="ch07.email-completeness",
        scenario=SCENARIO,
        title="Completeness of the e-mail column",
        prompt="Completeness (完整性) of the email column of your customers table: the share of "
               "its rows with an e-mail address, as a fraction between 0 and 1 (4 decimals).",
        kind=Number(rel_tol=0, abs_tol=1e-4, unit="fraction"),
        expected=email_completeness,
        hints=("customers['email'].notna()", "The mean of a True/False column is a share."),
        explanation="A missing e-mail cannot be cleaned back: cleaning standardises, it does "
                    "not invent.",
        mistakes=(
            Mistake(lambda d: email_completeness(d, "missing"),
                    "that is the share of missing e-mails; completeness is the share filled"),
            Mistake(lambda d: email_completeness(d, "count"),
                    "that is a count; give the share of the rows"),
        ),
    ),
    Exercise(
        id="ch07.master-validity",
        scenario=SCENARIO,
        title="Validity of the master data before cleaning",
        prompt="With quality_scorecard(data) (by source system, 源系统): what is the validity "
               "(有效性) of the master data system before any cleaning? A fraction between 0 "
               "and 1 (4 decimals).",
        kind=Number(rel_tol=0, abs_tol=1e-4, unit="fraction"),
        expected=master_validity,
        hints=("card = quality_scorecard(data)", "card.loc['master', 'validity']"),
        explanation="Validity counts the filled cells written in the standard form; the "
                    "cleaning rules raise it without filling a single gap.",
        mistakes=(
            Mistake(lambda d: master_validity(d, after=True),
                    "that is the validity after clean(); the question asks before cleaning"),
            Mistake(lambda d: master_validity(d, by="table"),
                    "that is the customers table alone (by='table'); the master system also "
                    "holds the address changes, regions and employees"),
        ),
    ),
    Exercise(
        id="ch07.phone-forms",
        scenario=SCENARIO,
        title="Phones written in another form",
        prompt="Most phone numbers of the master table are written like +1-303-545-1866. "
               "What share of the filled phone numbers is written in any other form, so that "
               "they must be standardised (数据标准化) before they can be compared? A fraction "
               "between 0 and 1 (4 decimals).",
        kind=Number(rel_tol=0, abs_tol=1e-4, unit="fraction"),
        expected=phone_other_forms,
        hints=(r"phones.str.match(r'^\+1-\d{3}-\d{3}-\d{4}$') is True for the usual form.",
               "Divide by the number of filled phones, not by all customers."),
        explanation="The same number written three ways is three different values for a "
                    "join or a duplicate check, until it is standardised.",
        mistakes=(
            Mistake(lambda d: phone_other_forms(d, "all"),
                    "you divided by all customers; the share is of the filled phone numbers"),
            Mistake(lambda d: phone_other_forms(d, "changed"),
                    "clean() rewrites every phone into the E.164 form (+13035451866), so it "
                    "changes them all; the question asks which were in another written form"),
        ),
    ),
    Exercise(
        id="ch07.ambiguous-dates",
        scenario=SCENARIO,
        title="Ambiguous sign-up dates",
        prompt="Read the signup_date column with crmlab.cleaning.parse_dates. How many dates "
               "are ambiguous: the year is last and day and month could be swapped "
               "(03/04/2022)?",
        kind=Number(rel_tol=0, abs_tol=0.5),
        expected=ambiguous_dates,
        hints=("parse_dates(customers['signup_date']) has an 'ambiguous' column.",),
        explanation="The rule reads them, but only the source system can confirm which "
                    "reading is right.",
        mistakes=(
            Mistake(lambda d: ambiguous_dates(d, "non_iso"),
                    "that is every date not written in ISO form; most of them are "
                    "unambiguous (2022/09/25, 20220925, 25.09.2022)"),
            Mistake(lambda d: ambiguous_dates(d, "slash"),
                    "those are the US-style slash dates; some of them are unambiguous "
                    "(09/25/2022), and dot dates can be ambiguous too"),
        ),
    ),
    Exercise(
        id="ch07.candidate-pairs",
        scenario=SCENARIO,
        title="Blocking: how many pairs to compare?",
        prompt="Blocking (分块) compares only records that share a key. With "
               "crmlab.linkage.candidate_pairs(customers) (its default keys: the phone number, "
               "the e-mail local part and the normalised name), how many candidate pairs are "
               "compared?",
        kind=Number(rel_tol=0, abs_tol=0.5),
        expected=candidate_pair_count,
        hints=("pairs = candidate_pairs(data.customers); len(pairs)",
               "A pair that shares two keys is one pair."),
        explanation="A few dozen pairs instead of more than a million: the reduction ratio "
                    "is almost 1.",
        mistakes=(
            Mistake(lambda d: candidate_pair_count(d, "all_pairs"),
                    "that is every pair of records, n(n-1)/2; blocking keeps only those that "
                    "share a key"),
            Mistake(lambda d: candidate_pair_count(d, "sum"),
                    "you added up the pairs of each key; a pair that shares two keys is "
                    "counted twice that way (take the union)"),
        ),
    ),
    Exercise(
        id="ch07.phone-block",
        scenario=SCENARIO,
        title="Pair completeness of one blocking key",
        prompt="What share of the true duplicate pairs would blocking on the phone number "
               "alone find (pair completeness, 配对完整性)? Use candidate_pairs(customers, "
               "truth=data.truth.extra['duplicates']).attrs['report']. A fraction between 0 "
               "and 1 (4 decimals).",
        kind=Number(rel_tol=0, abs_tol=1e-4, unit="fraction"),
        expected=phone_block_completeness,
        hints=("report.loc['phone', 'pair_completeness']",),
        explanation="A duplicate whose phone is missing or changed shares no phone key: that "
                    "is why several keys are combined.",
        mistakes=(
            Mistake(lambda d: phone_block_completeness(d, "union"),
                    "that is the completeness of all keys together (row 'all'); the question "
                    "asks for the phone alone"),
            Mistake(lambda d: phone_block_completeness(d, "reduction"),
                    "that is the reduction ratio (the share of pairs not compared); pair "
                    "completeness is the share of true pairs kept"),
        ),
    ),
    Exercise(
        id="ch07.golden-id",
        scenario=SCENARIO,
        title="The golden id of a duplicate",
        prompt="Record C001510 was entered a second time by another system. De-duplicate "
               "the customers with crmlab.linkage.link(customers) (default threshold). What is "
               "the id of the golden record (黄金记录) it is merged into?",
        kind=Text(),
        expected=golden_id,
        hints=("result = link(data.customers); golden_id_map(result.golden) maps every record "
               "id to its golden id.",
               "The survivorship rule for the id is 'earliest': the record that signed up "
               "first gives its id."),
        explanation="Orders, tickets and contacts of both records now point to one customer "
                    "(crmlab.linkage.rekey).",
        mistakes=(Mistake(lambda d: golden_id(d, "own"),
                          "that is the record's own id: it signed up later than its copy, so "
                          "the earlier record's id survives"),),
    ),
    Exercise(
        id="ch07.profile-records",
        scenario=SCENARIO,
        title="The 360° view of your best customer",
        prompt="Take the customer with the highest revenue in the customer view. How many "
               "records from all tables, the master record included, does that customer's "
               "360° view (客户360度视图, customer_360) hold?",
        kind=Number(rel_tol=0, abs_tol=0.5),
        expected=profile_records,
        hints=("view.sort_values('revenue', ascending=False)['customer_id'].iloc[0]",
               "customer_360(conn, customer_id).counts has the records per table."),
        explanation="Orders are only one part of a customer: contacts, tickets and campaigns "
                    "come from other systems.",
        mistakes=(
            Mistake(lambda d: profile_records(d, "orders"),
                    "that is the number of orders only; count the records of every table"),
            Mistake(lambda d: profile_records(d, "no_master"),
                    "you left out the master record (the customers row)"),
        ),
    ),
    Exercise(
        id="ch07.masked-phone",
        scenario=SCENARIO,
        title="A masked phone number",
        prompt="The same customer (highest revenue): standardise the phone number with "
               "clean(data) and mask it for display (数据脱敏) with crmlab.privacy.mask_phone. "
               "Give the masked text.",
        kind=Text(),
        expected=masked_phone,
        hints=("clean(data).data.customers has the standardised phones.",
               "mask_phone(phone) keeps the country code, the first three and the last four "
               "digits."),
        explanation="The agent sees enough to confirm the number with the customer, not "
                    "enough to copy it.",
        mistakes=(
            Mistake(lambda d: masked_phone(d, "unmasked"),
                    "that is the full standardised number; mask it with mask_phone"),
        ),
    ),
    Exercise(
        id="ch07.email-audience",
        scenario=SCENARIO,
        title="Who may get the e-mail campaign?",
        prompt="Respecting consent (同意) under the PIPL: how many customers of your master "
               "table may an e-mail campaign contact (marketing_consent True and an e-mail "
               "address)?",
        kind=Number(rel_tol=0, abs_tol=0.5),
        expected=email_audience,
        hints=("crmlab.privacy.campaign_audience(customers, 'email')",),
        explanation="Consent first, then a way to reach the customer: both are needed.",
        mistakes=(
            Mistake(lambda d: email_audience(d, "consent"),
                    "those are all customers who consented; some of them have no e-mail "
                    "address"),
            Mistake(lambda d: email_audience(d, "email"),
                    "those are all customers with an e-mail address; without consent they "
                    "may not be contacted"),
        ),
    ),
    Exercise(
        id="ch07.unique-share",
        scenario=SCENARIO,
        title="Customers alone in their equivalence class",
        prompt="Clean your dataset with clean(data). In the cleaned customers table, with the "
               "quasi-identifiers (准标识符) age, gender and city, what share of the customers "
               "is alone in their equivalence class (等价类), the ones a linkage could "
               "re-identify for sure? A fraction between 0 and 1 (4 decimals).",
        kind=Number(rel_tol=0, abs_tol=1e-4, unit="fraction"),
        expected=unique_share,
        hints=("k_anonymity(customers, ['age', 'gender', 'city'])",
               "Its .unique is the share of records in classes of size 1."),
        explanation="Age, gender and city alone single out many customers: a table without "
                    "names is not yet anonymous.",
        mistakes=(
            Mistake(lambda d: unique_share(d, cleaned=False),
                    "you used the raw customers table; clean it first (LA and Los Angeles "
                    "are one city)"),
            Mistake(lambda d: unique_share(d, qis=("age", "city")),
                    "you left out gender; the quasi-identifiers are age, gender and city"),
        ),
    ),
)
