"""Kinds of CRM (CRM的类型): operational, analytical and collaborative CRM; CIM vs CMI.

:func:`crm_types`, :func:`crm_functions`, :func:`cim_vs_cmi` and
:func:`enterprise_systems` hold the course's classifications ([S3],
chapters 5, 7 and 8) as bilingual tables for the notebook and its quizzes:

* :func:`crm_types` — **operational (运营型CRM)**, **analytical (分析型CRM)**
  and **collaborative CRM (协作型CRM)**, and where each appears in the workbook;
* :func:`crm_functions` — typical CRM functions and the kind each belongs to;
* :func:`cim_vs_cmi` — **customer interaction management (客户互动管理, CIM)**
  vs **customer-managed interaction (客户管理的互动, CMI)**;
* :func:`enterprise_systems` — CRM, ERP and SCM, and why they are joined.

:func:`interaction_initiative` and :func:`plot_interaction_initiative` look
for CIM and CMI in the data: who starts each contact of ``data.interactions``,
the customer (inbound, the CMI side) or the firm (outbound, the CIM side).

The strategy types hook, zipper and Velcro are in :mod:`crmlab.strategy`, which
re-exports this module's names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab._checks import require_columns, require_present, require_rows
from crmlab.i18n import _, plot_language, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "cim_vs_cmi",
    "crm_functions",
    "crm_types",
    "enterprise_systems",
    "interaction_initiative",
    "plot_interaction_initiative",
]


# ------------------------------------------------------------ kinds of CRM
def crm_types() -> pd.DataFrame:
    """Operational, analytical and collaborative CRM ([S3], chapter 8).

    >>> crm_types().loc["analytical", "中文"]
    '分析型CRM'
    """
    rows = [
        ("operational", "运营型CRM",
         "runs the customer-facing processes day to day: sales, marketing and service automation",
         "销售自动化、营销自动化、服务自动化", "leads, opportunities, orders, campaigns, tickets",
         "notebook 05b: funnel, forecast, campaigns, recommendations"),
        ("analytical", "分析型CRM",
         ("turns the data the other two collect into insight: segments, value, churn risk, "
         "campaign effects"), "数据仓库、数据挖掘、客户细分、价值与流失分析",
         "all tables, joined into one customer view", ("chapters 02-04 and 06: lifecycle, RFM, "
                                                        "CLV, satisfaction, evaluation")),
        ("collaborative", "协作型CRM",
         ("connects customers, departments and partners across channels so that every contact "
         "sees the same customer"), "呼叫中心、网站与自助门户、电子邮件、合作伙伴协同",
         "interactions (channel, direction, purpose)", ("notebook 05a: CIM vs CMI; chapter 07: "
                                                      "360-degree view")),
    ]
    return pd.DataFrame(rows, columns=["kind", "中文", "what it does", "典型功能", "data in crmlab",
                                       "where in the workbook"]).set_index("kind")


def crm_functions() -> pd.DataFrame:
    """Typical CRM functions and the kind of CRM each belongs to (for quizzes).

    >>> crm_functions()["kind"].value_counts().sort_index().to_dict()
    {'analytical': 4, 'collaborative': 4, 'operational': 4}
    """
    rows = [
        ("lead and opportunity management", "线索与商机管理", "operational"),
        ("campaign execution (send offers to a target list)", "营销活动执行", "operational"),
        ("complaint and service-ticket tracking", "投诉与服务工单跟踪", "operational"),
        ("quotations and order processing", "报价与订单处理", "operational"),
        ("customer segmentation (RFM)", "客户细分（RFM）", "analytical"),
        ("customer lifetime value prediction", "客户终身价值预测", "analytical"),
        ("churn prediction", "流失预测", "analytical"),
        ("data warehouse and data mining", "数据仓库与数据挖掘", "analytical"),
        ("multichannel contact centre (phone, chat, e-mail in one view)", "多渠道呼叫中心",
         "collaborative"),
        ("customer self-service portal", "客户自助门户", "collaborative"),
        ("partner portal sharing customer information", "合作伙伴门户", "collaborative"),
        ("shared customer view for sales, service and marketing", "跨部门共享客户视图",
         "collaborative"),
    ]
    return pd.DataFrame(rows, columns=["function", "中文", "kind"])


def cim_vs_cmi() -> pd.DataFrame:
    """Customer interaction management (CIM) vs customer-managed interaction (CMI), course document [S3].

    >>> cim_vs_cmi().columns.tolist()
    ['aspect', 'CIM', 'CMI']
    """
    rows = [
        ("name (名称)", "customer interaction management (客户互动管理)",
         "customer-managed interaction (客户管理的互动)"),
        ("who steers the contact", "the firm: it decides how to serve each contact and records it",
         "the customer: they choose when, where and how to interact (self-service, app, portal)"),
        ("aim", "give the best, most suitable service at every contact point and keep the record",
         ("let customers manage their side of the relationship; the firm supplies tools and "
         "responds")),
        ("typical evidence in data", "outbound care and sales contacts, contact-centre records",
         "inbound contacts through self-service channels"),
        ("relation (关系)", "the foundation of CMI (CIM是CMI的基础)",
         "grows out of and lifts CIM (CMI是CIM演变和提升结果)"),
    ]
    return pd.DataFrame(rows, columns=["aspect", "CIM", "CMI"])


def enterprise_systems() -> pd.DataFrame:
    """CRM, ERP and SCM: what each integrates and why they are joined ([S3], chapter 5).

    >>> enterprise_systems().index.tolist()
    ['CRM', 'ERP', 'SCM']
    """
    rows = [
        ("CRM", "客户关系管理", "front office: marketing, sales, service",
         "understand and serve customers; interactive marketing"),
        ("ERP", "企业资源计划", "back office: purchasing, production, inventory, finance, HR",
         "integrate and optimise the firm's internal processes"),
        ("SCM", "供应链管理", "the supply chain: demand, production and supply plans with partners",
         "share information along the chain; lower inventory and transaction costs"),
    ]
    return pd.DataFrame(rows, columns=["system", "中文", "scope", "contribution"]
                        ).set_index("system")


def interaction_initiative(interactions: pd.DataFrame, by: str = "year") -> pd.DataFrame:
    """Who starts the contact: counts and shares of inbound vs outbound interactions.

    Inbound contacts are started by the customer (the CMI side), outbound ones by
    the firm (the CIM side).

    Parameters
    ----------
    interactions : DataFrame
        ``interaction_time``, ``direction`` and the ``by`` column unless it is
        ``"year"`` (taken from ``interaction_time``).
    by : str
        ``"year"`` or a column such as ``"channel"`` or ``"purpose"``.

    Returns
    -------
    DataFrame indexed by ``by`` with ``inbound``, ``outbound``, ``inbound_share``.

    Examples
    --------
    >>> ix = pd.DataFrame({"interaction_time": pd.to_datetime(["2023-05-01", "2023-06-01",
    ...     "2024-01-01"]), "direction": ["inbound", "outbound", "inbound"]})
    >>> interaction_initiative(ix)["inbound_share"].tolist()
    [0.5, 1.0]
    """
    need = ["direction"] + (["interaction_time"] if by == "year" else [by])
    if not isinstance(interactions, pd.DataFrame):
        raise ValueError(_("interactions must be a DataFrame, got {type}").format(
                             type=type(interactions).__name__))
    require_columns(interactions, "interactions", need, check_frame=False)
    require_rows(interactions, "interactions")
    require_present(interactions, "interactions", need)
    when = None
    if by == "year":  # text times are parsed here
        raw = interactions["interaction_time"]
        when = pd.to_datetime(raw, errors="coerce", format="mixed")
        bad = when.isna() & raw.notna()
        if bad.any():
            raise ValueError(_("interactions.interaction_time has {sum} row(s) that are not a "
                               "date (e.g. {iloc}): fix or drop them").format(
                                 sum=format(int(bad.sum()), ","), iloc=repr(raw[bad].iloc[0])))
    bad = set(interactions["direction"].dropna().unique()) - {"inbound", "outbound"}
    if bad:
        raise ValueError(_("interactions.direction must be 'inbound' or 'outbound', found {bad}").format(
                             bad=sorted(bad)))
    key = when.dt.year.rename("year") if when is not None else interactions[by]
    table = pd.crosstab(key, interactions["direction"]).reindex(columns=["inbound", "outbound"],
                                                                fill_value=0)
    table.columns.name = None
    table["inbound_share"] = table["inbound"] / (table["inbound"] + table["outbound"])
    return table


def plot_interaction_initiative(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Stacked bars of inbound (customer-started) and outbound (firm-started) contacts."""
    import matplotlib.pyplot as plt

    for col in ("inbound", "outbound"):
        if col not in table.columns:
            raise ValueError(_("table is missing column {col}: pass interaction_initiative(...)").format(
                                 col=repr(col)))
    if ax is None:
        _unused, ax = plt.subplots(figsize=(6.5, 3.2))
    x = np.arange(len(table))
    ax.bar(x, table["outbound"], color="#4c72b0",
           label=plot_text("outbound: the firm starts (CIM)"))
    ax.bar(x, table["inbound"], bottom=table["outbound"], color="#dd8452",
           label=plot_text("inbound: the customer starts (CMI)"))
    ax.set_xticks(x, [str(i) for i in table.index], rotation=0 if len(x) < 8 else 45)
    # not plot_text("interactions"): that is the table's name (互动表) in the catalogue
    ax.set_ylabel("interactions" if plot_language() == "en"
                  else plot_text("number of interactions"))
    ax.set_title(plot_text("Who starts the contact?"))
    ax.legend(frameon=False, fontsize=8)
    return ax
