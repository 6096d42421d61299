"""Every parameter of every scenario, in one readable place.

Time is measured in days; rates are per year unless the name says otherwise.
Each scenario starts from :data:`BASE` and overrides what differs.  The
comments say what each number means and why it has its size: the effects must
be large enough to see on the default datasets, and they are all copied into
``data.truth`` so that an analysis can be checked against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from crmlab.data.schema import SCENARIOS
from crmlab.i18n import _

__all__ = ["ScenarioParams", "BASE", "SCENARIO_PARAMS", "params_for", "DEFAULT_SIZES"]


@dataclass(frozen=True)
class ScenarioParams:
    # --- relationship type ------------------------------------------------
    contractual: bool  # churn is observed (contract end) vs silent drop-out
    # --- regions and the CRM roll-out -------------------------------------
    n_regions: int = 6
    pilot_regions: int = 2  # roll out first, 12 months after the start
    late_regions: int = 1  # never roll out inside the data window: a clean control
    rollout_wave2_month: int = 24  # the other regions go live this many months after start
    adoption_range: tuple[float, float] = (0.25, 0.95)  # regions' true CRM usage (0-1)
    # Effect of the CRM at full usage (adoption = 1).  The realised effect in
    # a region is this times the region's adoption, so unused tools do little.
    crm_hazard_cut: float = 0.35  # relative cut of the service-driven churn hazard
    crm_fast_resolution_gain: float = 0.30  # added to P(complaint resolved within 24 h)
    crm_sat_index_gain: float = 6.0  # points on the 0-100 regional satisfaction index
    sat_index_trend_per_year: float = 1.5  # common upward trend: biases naive before/after
    # --- customers ---------------------------------------------------------
    employees_per_1000_customers: float = 12.0
    min_employees_per_region: int = 4
    signup_growth: float = 1.3  # >1: more sign-ups late in the window (a growing firm)
    potential_share: float = 0.0  # registered but never bought ("potential customers")
    acquisition_channels: tuple[str, ...] = ("search_ads", "social_media", "referral", "store",
                                             "partner")
    acquisition_mix: tuple[float, ...] = (0.30, 0.25, 0.15, 0.20, 0.10)
    acquisition_cost_mean: tuple[float, ...] = (45.0, 35.0, 12.0, 20.0, 30.0)
    consent_rate: float = 0.7
    # --- latent satisfaction s (standard normal) ---------------------------
    # s = sqrt(servqual_share) * (weighted SERVQUAL gaps, standardised)
    #     + sqrt(1 - servqual_share) * idiosyncratic noise
    servqual_share: float = 0.6
    servqual_dims: tuple[str, ...] = ("tangibles", "reliability", "responsiveness", "assurance",
                                      "empathy")
    # Unequal weights of the perception-expectation gaps in satisfaction, so
    # importance-performance analysis has key factors to find (reliability first,
    # as in Parasuraman et al. 1988).
    servqual_weights: tuple[float, ...] = (0.10, 0.35, 0.25, 0.15, 0.15)
    servqual_mean_gap: tuple[float, ...] = (0.2, -0.9, -0.6, -0.2, -0.4)  # perception - expectation
    region_quality_sd: float = 0.35  # between-region spread of the gaps
    # --- purchasing (BG/NBD-like; retail, b2b) -----------------------------
    purchase_shape: float = 0.9  # gamma shape r of the purchase rate lambda: <1 is very skewed
    purchase_rate_mean: float = 4.0  # mean purchases per year
    s_on_purchase_rate: float = 0.2  # lambda *= exp(this * s), in every value tier
    s_on_spend: float = 0.15  # mean order value *= exp(this * s): satisfied customers spend more
    dropout_a: float = 1.2  # beta(a, b) of the drop-out probability p after each purchase
    dropout_b: float = 9.0
    # --- spend (gamma-gamma) ------------------------------------------------
    spend_p: float = 4.0  # shape of an order's amount given the customer
    spend_q: float = 3.5  # shape of the customer's rate nu across customers
    spend_mean: float = 60.0  # population mean order value
    margin_rate: float = 0.30  # average gross margin
    categories: tuple[str, ...] = ("electronics", "apparel", "home", "beauty", "grocery", "sports",
                                   "books")
    category_margin: tuple[float, ...] = (0.12, 0.45, 0.30, 0.50, 0.15, 0.35, 0.25)
    sales_channels: tuple[str, ...] = ("web", "app", "store", "mini_program")
    # --- category affinities (non-contractual: retail, b2b) -----------------
    # Baskets with structure for the co-occurrence recommender (一对一营销).
    # Every customer has one latent persona, a "shopping mission" over
    # complementary categories (互补品), drawn with persona_share.  Each order
    # is, with probability persona_focus, one of the persona's categories
    # (equally likely), otherwise a category drawn by category_popularity.
    # Sizes: focus 0.85 gives the planted pairs a customer-level lift of
    # 1.6-2.3 (apparel, in two missions, has the weakest pairs) and the
    # recommender a hold-out hit rate about 1.35 times popularity's on the
    # default data; lower focus blurs that (0.7: lift 1.4, 1.2 times), because
    # customers who buy often touch most categories anyway.  The background
    # popularity skew (grocery 24%, sports and apparel 10%; apparel is popular
    # through its two missions) makes "recommend the bestsellers" a fair
    # baseline, clearly above chance.  With these shares every category gets
    # 10-20% of the orders and the mean margin stays near 0.30.
    category_personas: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("tech_reader", ("electronics", "books")),
        ("home_cook", ("home", "grocery")),
        ("style", ("apparel", "beauty")),
        ("active", ("sports", "apparel")),
    )
    persona_share: tuple[float, ...] = (0.25, 0.30, 0.25, 0.20)  # sums to 1
    persona_focus: float = 0.85  # probability an order's category comes from the persona
    # background share of each category, in the order of `categories` (sums to 1)
    category_popularity: tuple[float, ...] = (0.16, 0.10, 0.16, 0.12, 0.24, 0.10, 0.12)
    # --- churn: competing hazards per year (contractual) -------------------
    # or, for non-contractual scenarios, the relative weights that split the
    # drop-out probability p into the five lost-customer types.
    hazard_unintentional: float = 0.15  # service-driven: unintentionally pushed away
    s_on_hazard: float = 0.5  # that hazard *= exp(-this * s) * zones(s) (below)
    hazard_competitor: float = 0.05  # pulled away by a better competitor
    s_on_competitor: float = 0.2  # that hazard *= exp(-this * s) * zones(s)
    # Jones & Sasser (1995): loyalty rises steeply only among the *completely*
    # satisfied; in the "zone of indifference" more satisfaction buys little
    # loyalty, and in the "zone of defection" at the bottom customers leave fast.
    # people.loyalty_zones multiplies the service hazard by
    # exp(bottom_slope * max(bottom_threshold - s, 0) - top_slope * max(s - top_threshold, 0))
    # and the competitor and price hazards by the top part only (offers tempt all but the
    # completely satisfied):
    # the thresholds cut off roughly the bottom 18% and the top 16% of s (mostly CSAT 1-2 and 5).
    bottom_threshold: float = -0.9
    bottom_slope: float = 0.8
    top_threshold: float = 1.0
    top_slope: float = 3.0
    # Referrals: a referred customer's referrer is drawn among earlier customers
    # with weight exp(referral_s * s + referral_top * max(s - top_threshold, 0)):
    # promoters refer two to three times as often as detractors (a modest,
    # realistic link: most customers who would recommend never actually refer).
    referral_s: float = 0.35
    referral_top: float = 0.6
    hazard_price: float = 0.04  # bought away by price, times price sensitivity
    price_rise_month: int = 18  # a general price rise this many months after start
    price_rise_pct: float = 0.08
    price_rise_hazard_mult: float = 2.0  # price hazard multiplier after the rise ...
    price_hazard_before_rise: float = 0.3  # ... and before it: price churners mostly leave after
    hazard_moved: float = 0.02  # moved away / no longer qualifies
    hazard_intentional: float = 0.20  # firm stops serving the lowest value tier ...
    policy_month: int = 20  # ... from this month on
    care_share: float = 0.35  # customers in the two-way care programme
    care_hazard_mult: float = 0.70  # two-way contact: service and competitor hazards *= this
    # --- complaints and service recovery ----------------------------------
    complaint_rate: float = 0.35  # complaints per customer-year at average service quality
    s_on_complaint: float = 0.15  # complaint rate *= exp(-this * s)
    outcome_probs: tuple[float, float, float] = (0.45, 0.35, 0.20)  # fast, slow, unresolved
    # service-hazard multiplier from the complaint on (unresolved >> slow > none >~ fast)
    recovery_hazard_mult: tuple[float, float, float] = (0.8, 1.8, 4.0)
    recovery_s_shift: tuple[float, float, float] = (0.15, -0.3, -1.0)  # change of s after
    request_rate: float = 0.6  # neutral service requests per customer-year
    complaint_categories: tuple[str, ...] = ("delivery", "product_quality", "refund", "billing",
                                             "staff_attitude")
    request_categories: tuple[str, ...] = ("order_status", "account", "product_info", "return")
    # --- contact ------------------------------------------------------------
    inquiry_rate: float = 1.2  # inbound questions per customer-year
    promo_rate: float = 2.0  # outbound promotions per consenting customer-year
    care_rate: float = 2.0  # care calls per care-programme customer-year
    feedback_rate: float = 1.0  # inbound feedback per care-programme customer-year
    contact_channels: tuple[str, ...] = ("phone", "email", "app", "sms", "store")
    # --- surveys --------------------------------------------------------------
    survey_share: float = 0.35  # customers answering one periodic survey
    exit_survey_share: float = 0.6  # observed churners answering the exit survey
    exit_reason_accuracy: float = 0.8  # share giving the reason matching their true type
    # --- observable traces of the lost-customer types (crmlab/data/traces.py) ----
    # Each type leaves evidence before the customer leaves, with noise: not every
    # churner of a type leaves its trace, and other customers leave similar ones.
    # moved away (迁移/不再符合): an address change shortly before leaving
    move_rate: float = 0.05  # background moves per customer-year (customers who stay)
    move_trace_share: float = 0.8  # moved-away churners whose move the firm records ...
    move_trace_days: float = 60.0  # ... up to this many days before they leave
    move_out_of_area_share: float = 0.5  # moved-away churners who leave the service area
    # bought away by price (被价格买走): plan downgrades and billing questions (telecom)
    plan_change_rate: float = 0.0  # background plan changes per customer-year (telecom 0.05)
    plan_upgrade_share: float = 0.6  # share of background changes that are upgrades
    downgrade_after_rise_rate: float = 0.0  # extra downgrades per year after the rise, x 2.5 *
    # price sensitivity (telecom 0.10: price-sensitive customers trade down when prices rise)
    price_trace_downgrade: float = 0.6  # price churners on a bigger plan who downgrade first
    price_trace_billing: float = 0.7  # price churners who ask about their bill first
    billing_query_rate: float = 0.1  # background billing questions per customer-year ...
    billing_query_rise_rate: float = 0.3  # ... plus this x 2.5 * price sensitivity after the rise
    # pulled away by a competitor (被竞争者吸引): porting / retention-offer requests, by the
    # true type (order of CHURN_TYPES): competitors' customers ask most, price seekers too
    porting_trace: tuple[float, ...] = (0.05, 0.10, 0.8, 0.3, 0.05)
    porting_rate: float = 0.03  # background porting questions of customers who stay, per year
    # intentionally pushed away (有意推开): the firm's own notice and the end of care calls
    notice_trace: float = 0.7  # intentional churners who got the firm's notice first
    notice_rate: float = 0.25  # notices per year to other lowest-tier customers after the policy
    policy_stops_care: bool = True  # no outbound care calls to the lowest tier after the policy
    trace_contacts: bool = False  # billing / porting / notice contacts (telecom only)
    # --- service faults (telecom): region quality -> faults -> unintentional churn --------
    fault_rate: float = 0.0  # faults per customer-year at average reliability (telecom 0.7)
    fault_on_reliability: float = 1.5  # rate *= exp(-this * the region's reliability shift)
    fault_rate_shape: float = 2.0  # gamma shape of customers' own line quality (mean 1)
    fault_max: int = 6  # at most this many faults per customer (keeps the hazard's pieces few)
    # unintentional hazard x this for fault_effect_days after a fault (relative to the
    # average customer's time-share, so the overall level stays hazard_unintentional)
    fault_hazard_mult: float = 5.0
    fault_effect_days: float = 60.0
    # --- proxies of hidden traits ---------------------------------------------------
    # price sensitivity (价格敏感度): P(an order uses a coupon) = base + this * sensitivity
    coupon_base: float = 0.0  # (retail 0.05; telecom add-ons 0.05; 0: no discount column)
    coupon_on_price_sens: float = 0.45
    # willingness to adapt (适应意愿): how many of the personalisation settings a customer has
    # set (binomial, P = willingness, reached over the first ~settings_days) and customised
    # offers accepted (P = base + this * willingness)
    personalisation_settings: int = 6
    settings_days: float = 120.0
    custom_offer_rate: float = 1.0  # customised offers per consenting customer-year
    offer_accept_base: float = 0.05
    offer_accept_on_adapt: float = 0.5
    # --- questionnaires: 22 paired SERVQUAL items, Kano survey --------------
    # (item wordings and the generating model: crmlab/data/questionnaires.py)
    # Share of the periodic-survey respondents who also answer the 22 paired
    # items (22 rows each: 0.3 keeps the six default datasets' two tables
    # within about 1.3 MB of CSV, and gives ~1,750 respondents at 20,000
    # customers, enough for a stable Cronbach's alpha, ~375 in the default retail).
    servqual_item_share: float = 0.3
    # Item gap = mean gap + gap_offset + loading * (respondent's latent gap -
    # mean gap) + noise.  Loadings average about 1 in each dimension so the item
    # means agree with the one-item scores.  EMP2 ("opening hours suit all
    # customers") has a low loading: the deliberately weak item that item
    # analysis should find (a convenience item that often loads badly on empathy).
    servqual_item_loading: tuple[float, ...] = (
        1.0, 1.1, 0.9, 1.0,  # tangibles TAN1-4
        1.1, 1.0, 1.0, 0.9, 1.0,  # reliability REL1-5
        1.0, 1.1, 1.0, 0.9,  # responsiveness RES1-4
        1.0, 1.0, 0.9, 1.1,  # assurance ASS1-4
        1.15, 0.2, 1.2, 1.2, 1.25)  # empathy EMP1-5 (EMP2 weak)
    # Sd of an item gap's own noise, per dimension: sets Cronbach's alpha of the
    # gap scores (tangibles lowest ~0.74, reliability highest ~0.89, as the
    # published SERVQUAL alphas range 0.72-0.93).
    servqual_item_noise: tuple[float, ...] = (0.86, 0.40, 0.54, 0.76, 0.50)
    # Item-specific "difficulty": shift of the item's gap (perception minus
    # expectation) and of its expectation; they sum to 0 within a dimension.
    servqual_item_gap_offset: tuple[float, ...] = (
        0.3, 0.1, -0.1, -0.3,
        -0.3, 0.2, -0.1, -0.2, 0.4,
        -0.2, -0.3, 0.3, 0.2,
        0.1, 0.3, 0.0, -0.4,
        -0.2, 0.4, 0.0, -0.3, 0.1)
    servqual_item_exp_offset: tuple[float, ...] = (
        -0.3, 0.0, 0.2, 0.1,
        0.2, 0.0, 0.1, 0.0, -0.3,
        0.0, 0.2, 0.1, -0.3,
        0.1, 0.2, 0.0, -0.3,
        -0.2, 0.3, -0.1, 0.1, -0.1)
    servqual_exp_item_noise: float = 0.6  # sd of an expectation item around the latent level
    # Kano survey: share of current customers (not churned, signed up at least
    # 30 days before the end date) who answer it; 6 rows each (~1,700
    # respondents at 20,000 customers: each feature's category shares to +-1.2 points).
    kano_share: float = 0.15
    # (feature, planted Kano category) per scenario; wordings in questionnaires.py
    kano_features: tuple[tuple[str, str], ...] = (
        ("order_tracking", "must_be"), ("free_returns", "one_dimensional"),
        ("same_day_delivery", "attractive"), ("personalised_recommendations", "attractive"),
        ("eco_packaging", "indifferent"), ("daily_push_offers", "reverse"))
    # Probability that a respondent holds each category (attractive,
    # one_dimensional, must_be, indifferent, reverse) for a feature of the
    # planted category: real Kano data are mixtures, the planted one is modal
    # by a clear margin (about 0.2) even after the answer noise.
    kano_category_mix: dict = field(default_factory=lambda: {
        "must_be": (0.06, 0.16, 0.55, 0.20, 0.03),
        "one_dimensional": (0.14, 0.52, 0.14, 0.17, 0.03),
        "attractive": (0.52, 0.14, 0.04, 0.27, 0.03),
        "indifferent": (0.12, 0.06, 0.06, 0.71, 0.05),
        "reverse": (0.04, 0.02, 0.02, 0.34, 0.58)})
    # P(functional answer, dysfunctional answer | the respondent's category):
    # the cells of the Kano evaluation table that give that category.
    kano_cell_probs: dict = field(default_factory=lambda: {
        "attractive": ((("like", "must-be"), 0.15), (("like", "neutral"), 0.55),
                       (("like", "live-with"), 0.30)),
        "one_dimensional": ((("like", "dislike"), 1.0),),
        "must_be": ((("must-be", "dislike"), 0.35), (("neutral", "dislike"), 0.40),
                    (("live-with", "dislike"), 0.25)),
        "indifferent": tuple(((f, d), pf * pd_) for f, pf in (("must-be", 0.2), ("neutral", 0.6),
                                                              ("live-with", 0.2))
                             for d, pd_ in (("must-be", 0.2), ("neutral", 0.6), ("live-with", 0.2))),
        "reverse": ((("dislike", "like"), 0.45), (("dislike", "neutral"), 0.15),
                    (("dislike", "live-with"), 0.10), (("neutral", "like"), 0.20),
                    (("live-with", "like"), 0.10))})
    # Beta(a, b) of a respondent's probability of answering a feature at random
    # (any of the 25 pairs): mean 1/6, some careless respondents up to ~0.4.
    kano_noise_beta: tuple[float, float] = (2.0, 10.0)
    # --- campaigns --------------------------------------------------------------
    n_campaigns: int = 8
    treatment_share: float = 0.7
    campaign_sample: float = 0.5  # share of the eligible segment put into a campaign
    base_response: dict = field(default_factory=lambda: {
        "new": 0.08, "active": 0.12, "lapsing": 0.05, "dormant": 0.02})
    true_uplift: dict = field(default_factory=lambda: {  # response-rate uplift, points
        "new": 0.06, "active": 0.03, "lapsing": 0.08, "dormant": 0.01})
    # --- membership (retail) -----------------------------------------------
    tier_points: tuple[tuple[str, int], ...] = ()
    # --- sales pipeline (bank, b2b) -----------------------------------------
    leads_per_customer: float = 0.0
    lead_sources: tuple[str, ...] = ("website", "referral", "trade_show", "cold_call", "partner")
    source_qualify: tuple[float, ...] = (0.45, 0.65, 0.40, 0.15, 0.50)  # P(lead -> opportunity)
    source_value: tuple[float, ...] = (1.0, 1.3, 1.1, 0.7, 1.2)  # deal value multiplier
    stage_pass: tuple[float, float, float] = (0.70, 0.65, 0.60)  # qualified->proposal->negotiation->won
    deal_value_median: float = 20000.0
    deal_value_sigma: float = 0.8
    stage_days_mean: float = 21.0
    # --- contractual products (telecom, bank) -----------------------------
    plans: tuple[str, ...] = ()
    plan_fee: tuple[float, ...] = ()
    products: tuple[str, ...] = ()
    product_value: tuple[float, ...] = ()
    product_margin: tuple[float, ...] = ()
    cross_sell_rate: float = 0.0  # extra products per customer-year at s = 0
    # ======================================================================
    # Generator v2, parts 3 and 8: data quality improves with CRM use, and
    # every region has its own trend and season in the KPI panel.
    # ======================================================================
    # --- data-quality defects (defects=True) -------------------------------
    # Before a region's CRM goes live every record has the same chance of a
    # defect; from go-live on the chance falls by this share times the region's
    # usage (adoption, ramping up over the first 8 weeks like crm_usage), so
    # at 0.95 usage it falls by 76 %, at 0.25 by 20 %, and a region without
    # the CRM does not improve ([S1] and [S4]: the more the system is used,
    # the cleaner the data; a tool nobody uses changes nothing).  Large enough
    # to see per region on a 20,000-customer dirty dataset.
    defect_cut_at_full_use: float = 0.8
    # --- regional satisfaction index: region-specific trend and season ------
    # Each region's slope is the common sat_index_trend_per_year plus its own
    # deviation (normal, this SD, points per year, centred over the regions so
    # the common slope stays their mean).  Small against the noise of a DiD
    # over one year (its standard error is about 0.35 points; 0.2 adds about
    # 0.17 to its error), so parallel trends hold roughly, not by construction.
    sat_index_slope_sd: float = 0.2
    sat_index_season_amp: float = 1.5  # common amplitude of the yearly season, points
    sat_index_season_amp_sd: float = 0.3  # between-region SD of that amplitude, points
    sat_index_season_phase_sd: float = 0.4  # between-region SD of its phase, radians (~0.8 month)
    # generate(..., diverging_region=True): one comparison region (the one
    # without the CRM in the data) gets this extra slope, points per year.
    # Its fall biases a DiD that uses it as the comparison upwards: by about
    # this times the years between the pre- and post-period means, divided by
    # the number of comparison regions (about 1 point for the pilots' wave,
    # 6 for the second wave).  Large enough that the pre-period check fails.
    diverging_extra_slope: float = -4.0
    # ======================================================================
    # Capstone problems (crmlab.capstone.case): each one is off (None) by
    # default, and then the data are exactly those without it.  Which region,
    # campaign or period and how large are drawn per student by the capstone;
    # what was planted is recorded in data.truth (case_* tables).
    # ======================================================================
    # (k, usage): the k-th region (in region order) whose CRM goes live in the
    # data has its staff use it at this level (0-1) instead of the drawn one:
    # the CRM is live but unused, so it does almost nothing there.
    case_unused_crm: tuple[int, float] | None = None
    # (region index, P(unresolved)): complaints in this region are left
    # unresolved with this probability (the fast/slow split of the rest as usual).
    case_recovery_failure: tuple[int, float] | None = None
    # (first month after the start month, number of months, multiplier): a
    # competitor's price war multiplies the competitor hazard in that period.
    case_competitor_wave: tuple[int, int, float] | None = None
    # (campaign index, uplift): this campaign targets the active segment, all
    # of it (with consent), split half and half, and contact changes the
    # response rate by this (negative) uplift: it cannibalises purchases the
    # customers would have made anyway.
    case_cannibal_campaign: tuple[int, float] | None = None


BASE = ScenarioParams(contractual=False)

SCENARIO_PARAMS: dict[str, ScenarioParams] = {
    # Non-contractual e-commerce: buying stops silently ([S4]).
    "retail": replace(
        BASE,
        potential_share=0.08,
        coupon_base=0.05,
        tier_points=(("bronze", 0), ("silver", 200), ("gold", 600), ("platinum", 1500)),
    ),
    # Monthly contracts: churn is the contract end ([S5]: service faults,
    # bill cost).  Orders are the monthly bills.
    "telecom": replace(
        BASE,
        contractual=True,
        hazard_unintentional=0.15,
        hazard_competitor=0.06,
        hazard_price=0.05,
        acquisition_cost_mean=(120.0, 90.0, 30.0, 60.0, 80.0),
        complaint_rate=0.5,
        complaint_categories=("network_fault", "billing", "roaming", "device", "staff_attitude"),
        request_categories=("plan_change", "account", "coverage", "device_setup"),
        categories=("plan_fee", "data_addon", "roaming"),
        sales_channels=("auto_debit", "app", "store"),
        plans=("basic", "standard", "unlimited", "family"),
        plan_fee=(19.0, 39.0, 69.0, 99.0),
        plan_change_rate=0.05,
        downgrade_after_rise_rate=0.10,
        trace_contacts=True,
        fault_rate=0.9,
        coupon_base=0.05,
        kano_features=(("stable_coverage", "must_be"), ("clear_bill", "must_be"),
                       ("data_speed", "one_dimensional"), ("free_roaming", "attractive"),
                       ("paper_bill", "indifferent"), ("upsell_calls", "reverse")),
    ),
    # Several products per customer, relationship managers, cross-sell ([S3]).
    "bank": replace(
        BASE,
        contractual=True,
        hazard_unintentional=0.10,
        hazard_competitor=0.04,
        hazard_price=0.03,
        acquisition_cost_mean=(200.0, 150.0, 50.0, 100.0, 120.0),
        complaint_rate=0.25,
        complaint_categories=("fees", "card_blocked", "long_wait", "mis_selling", "staff_attitude"),
        request_categories=("statement", "card_replacement", "address_change", "loan_info"),
        sales_channels=("branch", "app", "phone"),
        contact_channels=("phone", "email", "app", "sms", "branch"),
        products=("savings", "credit_card", "mortgage", "wealth_fund", "insurance"),
        product_value=(8000.0, 3000.0, 150000.0, 20000.0, 1500.0),
        product_margin=(0.02, 0.08, 0.015, 0.012, 0.20),
        cross_sell_rate=0.35,
        leads_per_customer=0.3,
        deal_value_median=15000.0,
        kano_features=(("secure_login", "must_be"), ("instant_transfers", "one_dimensional"),
                       ("spending_insights", "attractive"), ("personal_advisor", "attractive"),
                       ("branch_coffee", "indifferent"), ("product_offer_calls", "reverse")),
    ),
    # Few, large accounts with a sales pipeline and key-account managers ([S2] and [S4]).
    "b2b": replace(
        BASE,
        purchase_rate_mean=6.0,
        purchase_shape=1.5,
        dropout_a=1.0,
        dropout_b=20.0,
        spend_mean=4000.0,
        employees_per_1000_customers=60.0,
        acquisition_channels=("sales_team", "trade_show", "referral", "partner", "website"),
        acquisition_cost_mean=(3000.0, 2000.0, 500.0, 1500.0, 800.0),
        complaint_rate=0.6,
        complaint_categories=("late_delivery", "quality_issue", "invoice_error", "support",
                              "contract_terms"),
        request_categories=("technical_support", "reorder", "documentation", "training"),
        categories=("hardware", "software", "services", "consumables"),
        category_margin=(0.20, 0.60, 0.40, 0.30),
        # b2b shopping missions: equipment with its installation and support,
        # licences with their services, running supplies with the hardware they go in.
        category_personas=(
            ("infrastructure", ("hardware", "services")),
            ("digital", ("software", "services")),
            ("supplies", ("consumables", "hardware")),
        ),
        persona_share=(0.35, 0.35, 0.30),
        category_popularity=(0.30, 0.20, 0.25, 0.25),
        sales_channels=("direct", "partner", "online"),
        contact_channels=("phone", "email", "meeting", "video_call", "portal"),
        leads_per_customer=5.0,
        n_campaigns=0,
        # few accounts: more of them answer the questionnaires (still few bytes)
        servqual_item_share=0.6,
        kano_share=0.5,
        kano_features=(("on_time_delivery", "must_be"), ("accurate_invoices", "must_be"),
                       ("volume_discounts", "one_dimensional"), ("api_integration", "attractive"),
                       ("joint_workshops", "attractive"), ("printed_catalogue", "indifferent")),
    ),
}

# Sizes of the committed default datasets (retail is the one the notebooks use).
DEFAULT_SIZES = {"retail": 5000, "telecom": 3000, "bank": 3000, "b2b": 300}


def params_for(scenario: str) -> ScenarioParams:
    """Parameters of a scenario (``ValueError`` listing the known scenarios)."""
    if scenario not in SCENARIO_PARAMS:
        raise ValueError(
            _("unknown scenario {scenario}; choose one of: {scenarios}").format(
                scenario=repr(scenario), scenarios=', '.join(SCENARIOS))
        )
    return SCENARIO_PARAMS[scenario]
