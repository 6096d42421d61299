"""Questionnaires (问卷): the 22 paired SERVQUAL items and a Kano survey.

Item wordings live here, once, so notebooks can show them and the Chinese
edition can translate them; the generator step ``"questionnaires"`` draws the
answers (tables ``servqual_items`` and ``kano_responses``).

**SERVQUAL items (SERVQUAL量表题项).**  Parasuraman, Zeithaml & Berry's 22
paired items over five dimensions: tangibles 有形性 (items 1-4), reliability
可靠性 (5-9), responsiveness 响应性 (10-13), assurance 保证性 (14-17) and
empathy 移情性 (18-22).  Every item is asked twice on a 1-7 scale: what an
excellent firm of the kind would do (expectation 期望) and what this firm does
(perception 感知).  The wordings below are short paraphrases, not the
published text.

References: Parasuraman, A., Zeithaml, V. A., & Berry, L. L. (1988). SERVQUAL:
A multiple-item scale for measuring consumer perceptions of service quality.
*Journal of Retailing*, 64(1), 12-40.  Parasuraman, A., Berry, L. L., &
Zeithaml, V. A. (1991). Refinement and reassessment of the SERVQUAL scale.
*Journal of Retailing*, 67(4), 420-450.

How the answers are drawn: a respondent's item answer is their latent level
of the dimension (the same latent expectation and gap that produced the
one-item ``exp_<dim>``/``perc_<dim>`` columns of ``surveys``) plus an
item-specific offset (some items are "harder") plus noise, rounded and clipped
to 1-7.  The noise per dimension sets Cronbach's alpha (克朗巴哈系数) of the
gap scores; one item has a low loading, so item analysis finds it.

**Kano survey (卡诺问卷).**  Each feature is asked as a functional question
("if the feature is offered, how do you feel?") and a dysfunctional one ("if
it is not offered?"), each answered with one of :data:`KANO_ANSWERS`.  The
pair is classified with the evaluation table :data:`KANO_EVALUATION` (Kano,
Seraku, Takahashi & Tsuji 1984; Berger et al. 1993) into attractive 魅力,
one-dimensional 期望/一维, must-be 必备, indifferent 无差异, reverse 反向 or
questionable 可疑.  Better = (A + O) / (A + O + M + I) and Worse =
-(O + M) / (A + O + M + I) (Berger et al. 1993).

References: Kano, N., Seraku, N., Takahashi, F., & Tsuji, S. (1984).
Attractive quality and must-be quality. *Journal of the Japanese Society for
Quality Control*, 14(2), 39-48.  Berger, C., Blauth, R., Boger, D., et al.
(1993). Kano's methods for understanding customer-defined quality. *Center
for Quality of Management Journal*, 2(4), 3-36.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.data.world import take_str
from crmlab.i18n import _

__all__ = ["SERVQUAL_ITEMS", "SERVQUAL_REFERENCE", "servqual_items_frame", "KANO_ANSWERS",
           "KANO_ANSWERS_ZH", "KANO_CATEGORIES", "KANO_CATEGORIES_ZH", "KANO_EVALUATION",
           "KANO_FEATURES", "KANO_REFERENCE", "kano_category", "servqual_items_table",
           "kano_table"]

SERVQUAL_REFERENCE = (
    "Parasuraman, A., Zeithaml, V. A., & Berry, L. L. (1988). SERVQUAL: A multiple-item scale "
    "for measuring consumer perceptions of service quality. Journal of Retailing, 64(1), 12-40; "
    "refined in Parasuraman, A., Berry, L. L., & Zeithaml, V. A. (1991). Refinement and "
    "reassessment of the SERVQUAL scale. Journal of Retailing, 67(4), 420-450."
)
KANO_REFERENCE = (
    "Kano, N., Seraku, N., Takahashi, F., & Tsuji, S. (1984). Attractive quality and must-be "
    "quality. Journal of the Japanese Society for Quality Control, 14(2), 39-48; Berger, C., "
    "Blauth, R., Boger, D., et al. (1993). Kano's methods for understanding customer-defined "
    "quality. Center for Quality of Management Journal, 2(4), 3-36."
)

# (code, item number, dimension, English paraphrase, Chinese paraphrase).  The
# statement is about "the firm"; the expectation version asks about an
# excellent firm of the kind, the perception version about this firm.
SERVQUAL_ITEMS: tuple[tuple[str, int, str, str, str], ...] = (
    ("TAN1", 1, "tangibles", "The firm's equipment looks up to date.", "公司的设备看起来很现代。"),
    ("TAN2", 2, "tangibles", "Its stores, offices or website look appealing.",
     "门店、办公场所或网站外观吸引人。"),
    ("TAN3", 3, "tangibles", "Its staff look neat and professional.", "员工仪表整洁、专业。"),
    ("TAN4", 4, "tangibles", "Its leaflets, bills and statements look clear and appealing.",
     "宣传资料、账单和对账单清晰美观。"),
    ("REL1", 5, "reliability", "When it promises to do something by a certain time, it does so.",
     "承诺在某时间完成的事情能按时完成。"),
    ("REL2", 6, "reliability", "When a customer has a problem, it sincerely tries to solve it.",
     "客户遇到问题时，真诚地设法解决。"),
    ("REL3", 7, "reliability", "It gets the service right the first time.", "第一次就把服务做好。"),
    ("REL4", 8, "reliability", "It delivers its services at the time it promised.",
     "在承诺的时间提供服务。"),
    ("REL5", 9, "reliability", "Its records about the customer are free of errors.",
     "客户记录准确无误。"),
    ("RES1", 10, "responsiveness", "Staff tell customers exactly when things will be done.",
     "员工明确告知客户服务何时完成。"),
    ("RES2", 11, "responsiveness", "Staff serve customers promptly.", "员工提供及时的服务。"),
    ("RES3", 12, "responsiveness", "Staff are always willing to help.", "员工总是乐于帮助客户。"),
    ("RES4", 13, "responsiveness", "Staff are never too busy to answer a request.",
     "员工再忙也会回应客户的请求。"),
    ("ASS1", 14, "assurance", "The way staff behave gives customers confidence.",
     "员工的言行让客户信任。"),
    ("ASS2", 15, "assurance", "Customers feel safe in their dealings with the firm.",
     "客户与公司交易时感到安全。"),
    ("ASS3", 16, "assurance", "Staff are consistently polite.", "员工始终彬彬有礼。"),
    ("ASS4", 17, "assurance", "Staff know enough to answer customers' questions.",
     "员工具备回答客户问题的专业知识。"),
    ("EMP1", 18, "empathy", "The firm gives each customer individual attention.",
     "公司给予每位客户个别的关注。"),
    ("EMP2", 19, "empathy", "Its opening hours suit all its customers.", "营业时间方便所有客户。"),
    ("EMP3", 20, "empathy", "Staff give customers personal attention.", "员工给予客户个性化的关心。"),
    ("EMP4", 21, "empathy", "The firm has its customers' best interests at heart.",
     "公司真心为客户的利益着想。"),
    ("EMP5", 22, "empathy", "Staff understand each customer's specific needs.",
     "员工了解每位客户的具体需求。"),
)


def servqual_items_frame() -> pd.DataFrame:
    """The 22 items as a table: ``item``, ``number``, ``dimension``, ``en``, ``zh``.

    Examples
    --------
    >>> items = servqual_items_frame()
    >>> items.groupby("dimension", sort=False).size().tolist()
    [4, 5, 4, 4, 5]
    """
    return pd.DataFrame(list(SERVQUAL_ITEMS), columns=["item", "number", "dimension", "en", "zh"])


# The five standard answers, in the order of the evaluation table's rows and columns.
KANO_ANSWERS = ("like", "must-be", "neutral", "live-with", "dislike")
KANO_ANSWERS_ZH = ("喜欢", "理应如此", "无所谓", "能忍受", "不喜欢")
KANO_CATEGORIES = ("attractive", "one_dimensional", "must_be", "indifferent", "reverse",
                   "questionable")
KANO_CATEGORIES_ZH = ("魅力属性", "期望（一维）属性", "必备属性", "无差异属性", "反向属性", "可疑结果")
_A, _O, _M, _I, _R, _Q = KANO_CATEGORIES
# rows: functional answer, columns: dysfunctional answer (both in KANO_ANSWERS order)
KANO_EVALUATION: tuple[tuple[str, ...], ...] = (
    (_Q, _A, _A, _A, _O),  # like
    (_R, _I, _I, _I, _M),  # must-be
    (_R, _I, _I, _I, _M),  # neutral
    (_R, _I, _I, _I, _M),  # live-with
    (_R, _R, _R, _R, _Q),  # dislike
)

# Wording of every feature any scenario asks about (English, Chinese).  Which
# features a scenario asks and their planted categories are in scenarios.py
# (``kano_features``).
KANO_FEATURES: dict[str, tuple[str, str]] = {
    # retail
    "order_tracking": ("Live tracking of every order", "订单实时追踪"),
    "free_returns": ("Free returns within 30 days", "30天免费退货"),
    "same_day_delivery": ("Same-day delivery", "当日达配送"),
    "personalised_recommendations": ("Personalised product recommendations", "个性化商品推荐"),
    "eco_packaging": ("Plastic-free packaging", "环保无塑包装"),
    "daily_push_offers": ("A push notification with offers every day", "每天推送优惠通知"),
    # telecom
    "stable_coverage": ("Stable network coverage where you live", "居住地网络信号稳定"),
    "clear_bill": ("A bill that is easy to understand", "账单清晰易懂"),
    "data_speed": ("Faster mobile data", "更快的移动数据网速"),
    "free_roaming": ("Free roaming abroad", "境外免费漫游"),
    "paper_bill": ("A printed bill by post", "邮寄纸质账单"),
    "upsell_calls": ("Phone calls offering bigger plans", "推销升级套餐的电话"),
    # bank
    "secure_login": ("Secure log-in to online banking", "网上银行安全登录"),
    "instant_transfers": ("Instant transfers to any bank", "跨行实时到账"),
    "spending_insights": ("Monthly insights into your spending", "每月消费分析"),
    "personal_advisor": ("A named personal advisor", "专属理财顾问"),
    "branch_coffee": ("Free coffee in the branch", "网点免费咖啡"),
    "product_offer_calls": ("Calls offering new products", "推销新产品的电话"),
    # b2b
    "on_time_delivery": ("Deliveries on the agreed date", "按约定日期交货"),
    "accurate_invoices": ("Invoices without errors", "发票准确无误"),
    "volume_discounts": ("Discounts that grow with order volume", "随订单量递增的折扣"),
    "api_integration": ("Ordering straight from your own systems (API)", "与自有系统直连下单（API）"),
    "joint_workshops": ("Joint innovation workshops", "联合创新研讨会"),
    "printed_catalogue": ("A printed product catalogue", "纸质产品目录"),
}


def kano_category(functional, dysfunctional) -> np.ndarray:
    """Classify answer pairs with the Kano evaluation table.

    Examples
    --------
    >>> kano_category(["like", "neutral", "like"], ["neutral", "dislike", "dislike"]).tolist()
    ['attractive', 'must_be', 'one_dimensional']
    """
    f = pd.Index(KANO_ANSWERS).get_indexer(np.asarray(functional, dtype=object))
    d = pd.Index(KANO_ANSWERS).get_indexer(np.asarray(dysfunctional, dtype=object))
    if (f < 0).any() or (d < 0).any():
        raise ValueError(_("Kano answers must be one of {kano_answers}").format(
                             kano_answers=', '.join(KANO_ANSWERS)))
    return np.asarray(KANO_EVALUATION, dtype=object)[f, d]


def _dims(p) -> list[str]:
    return list(p.servqual_dims)


def servqual_items_table(w, c, rng: np.random.Generator) -> None:
    """Table ``servqual_items``: the 22 paired items for a share of the periodic respondents.

    For respondent r, item i of dimension d (all parameters in scenarios.py):

    * expectation* = E[r, d] + exp_offset[i] + N(0, servqual_exp_item_noise)
    * gap* = mu[d] + gap_offset[i] + loading[i] * (G[r, d] - mu[d]) + N(0, noise[d])
    * perception* = expectation* + gap*; both rounded and clipped to 1-7,

    where E is the respondent's latent expectation and G their latent gap on
    the survey day (what produced ``exp_<dim>`` and ``perc_<dim>``), and mu
    is ``servqual_mean_gap``.
    """
    p = w.params
    lat = w.survey_latent
    dims = _dims(p)
    items = servqual_items_frame()
    k_items = len(items)
    dim_of = items["dimension"].map({d: j for j, d in enumerate(dims)}).to_numpy()
    periodic = w.tables["surveys"]
    periodic = periodic[periodic["survey_type"].to_numpy() == "periodic"]
    pos = pd.Index(periodic["customer_id"]).get_indexer(take_str(w.customer_ids, lat["customer"]))
    u = rng.random(pos.size)
    chosen = np.flatnonzero(u < p.servqual_item_share)
    if chosen.size == 0 and u.size:  # tiny datasets: at least one respondent
        chosen = np.array([np.argmin(u)])
    chosen = chosen[np.argsort(pos[chosen], kind="stable")]  # in the survey table's order
    m = chosen.size
    e_lat = lat["expectation"][chosen][:, dim_of]  # (m, 22)
    g_lat = lat["gap"][chosen][:, dim_of]
    mu = np.asarray(p.servqual_mean_gap)[dim_of]
    loading = np.asarray(p.servqual_item_loading)
    noise = np.asarray(p.servqual_item_noise)[dim_of]
    exp_star = (e_lat + np.asarray(p.servqual_item_exp_offset)
                + rng.normal(0, p.servqual_exp_item_noise, (m, k_items)))
    gap_star = (mu + np.asarray(p.servqual_item_gap_offset) + loading * (g_lat - mu)
                + rng.normal(0, 1, (m, k_items)) * noise)
    expectation = np.clip(np.round(exp_star), 1, 7).astype(np.int64)
    perception = np.clip(np.round(exp_star + gap_star), 1, 7).astype(np.int64)
    row = np.repeat(pos[chosen], k_items)  # arrow string columns: compact for millions of rows
    code = np.tile(np.arange(k_items), m)
    w.tables["servqual_items"] = pd.DataFrame({
        "survey_id": periodic["survey_id"].take(row).reset_index(drop=True),
        "customer_id": periodic["customer_id"].take(row).reset_index(drop=True),
        "item": take_str(items["item"].to_numpy(), code),
        "dimension": take_str(items["dimension"].to_numpy(), code),
        "expectation": expectation.ravel(),
        "perception": perception.ravel(),
    })
    # truth: the item design and the alpha it implies for the gap scores
    var_g = lat["gap"][chosen].var(axis=0) if m > 1 else np.full(len(dims), np.nan)
    w.truth["servqual_item_design"] = items[["item", "number", "dimension"]].assign(
        exp_offset=np.asarray(p.servqual_item_exp_offset),
        gap_offset=np.asarray(p.servqual_item_gap_offset),
        loading=loading, noise_sd=noise,
        weak_item=loading == loading.min())
    rounding = 1 / 6  # two roundings of the answers add about 2/12 to an item gap's variance
    alphas = []
    for j, d in enumerate(dims):
        lam = loading[dim_of == j]
        k = lam.size
        cov = var_g[j] * np.outer(lam, lam) + np.diag(noise[dim_of == j] ** 2 + rounding)
        alphas.append(k / (k - 1) * (1 - np.trace(cov) / cov.sum()))
    w.truth["servqual_dimensions"] = pd.DataFrame({
        "dimension": dims, "n_items": np.bincount(dim_of, minlength=len(dims)),
        "latent_gap_var": var_g, "design_alpha": alphas})


def kano_table(w, c, rng: np.random.Generator) -> None:
    """Table ``kano_responses``: the Kano survey of a share of the current customers.

    Each respondent holds, for each feature, one Kano category drawn from the
    feature's planted category mix (``kano_category_mix``); the answer pair is
    drawn from that category's cells of the evaluation table
    (``kano_cell_probs``).  With the respondent's own noise probability (beta
    distributed, ``kano_noise_beta``) the pair is instead one of the 25 at random.
    """
    p = w.params
    features = [f for f, _ in p.kano_features]
    planted = [cat for _, cat in p.kano_features]
    cats = KANO_CATEGORIES[:5]
    eligible = np.flatnonzero(~c.potential & ~np.isfinite(c.death) & (c.signup < w.horizon - 30))
    if eligible.size == 0:  # tiny datasets: anyone who ever bought
        eligible = np.flatnonzero(~c.potential)
    u = rng.random(eligible.size)
    who = eligible[u < p.kano_share]
    if who.size == 0 and u.size:  # tiny datasets: at least one respondent
        who = eligible[[np.argmin(u)]]
    m, f = who.size, len(features)
    mix = np.array([p.kano_category_mix[cat] for cat in planted])  # (f, 5)
    cells = np.zeros((5, 25))  # P(answer pair | respondent's category)
    for j, cat in enumerate(cats):
        for (fa, da), prob in p.kano_cell_probs[cat]:
            cells[j, KANO_ANSWERS.index(fa) * 5 + KANO_ANSWERS.index(da)] = prob
    noise = rng.beta(*p.kano_noise_beta, m)
    u_cat, u_cell, u_noise = rng.random((m, f)), rng.random((m, f)), rng.random((m, f))
    random_cell = rng.integers(0, 25, (m, f))
    held = (u_cat[..., None] > np.cumsum(mix, axis=1)[None, :, :-1]).sum(-1)
    cell = (u_cell[..., None] > np.cumsum(cells, axis=1)[held][..., :-1]).sum(-1)
    cell = np.where(u_noise < noise[:, None], random_cell, cell)
    w.tables["kano_responses"] = pd.DataFrame({
        "customer_id": take_str(w.customer_ids, np.repeat(who, f)),
        "feature": take_str(features, np.tile(np.arange(f), m)),
        "functional": take_str(KANO_ANSWERS, (cell // 5).ravel()),
        "dysfunctional": take_str(KANO_ANSWERS, (cell % 5).ravel()),
    })
    # truth: planted categories, mixes and the implied answer-pair probabilities
    noise_mean = p.kano_noise_beta[0] / sum(p.kano_noise_beta)
    probs = (1 - noise_mean) * mix @ cells + noise_mean / 25  # (f, 25)
    cell_cat = np.asarray(KANO_EVALUATION, dtype=object).ravel()
    by_cat = {cat: probs[:, cell_cat == cat].sum(axis=1) for cat in KANO_CATEGORIES}
    base = by_cat[_A] + by_cat[_O] + by_cat[_M] + by_cat[_I]
    w.truth["kano_features"] = pd.DataFrame({
        "feature": features, "planted_category": planted,
        **{f"mix_{cat}": mix[:, j] for j, cat in enumerate(cats)},
        **{f"p_{cat}": by_cat[cat] for cat in KANO_CATEGORIES},
        "better": (by_cat[_A] + by_cat[_O]) / base,
        "worse": -(by_cat[_O] + by_cat[_M]) / base,
    })
    w.truth["kano_answer_probs"] = pd.DataFrame({
        "feature": np.repeat(features, 25),
        "functional": np.tile(np.repeat(KANO_ANSWERS, 5), f),
        "dysfunctional": np.tile(np.tile(KANO_ANSWERS, 5), f),
        "category": np.tile(cell_cat, f),
        "probability": probs.ravel(),
    })
