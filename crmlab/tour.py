"""A first look at a dataset: its tables, how they relate, and its activity over time.

Used by the welcome notebook (``notebooks/00_welcome.ipynb``).  Everything is
derived from the one schema in :mod:`crmlab.data.schema`, so a new table or
foreign key appears here without further changes.

Chinese labels (中文标签) are drawn only when a font with Chinese glyphs is
installed (for example ``fonts-noto-cjk``); otherwise the plots stay in
English, so that matplotlib never warns about missing glyphs.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from crmlab._checks import require_columns, require_numeric
from crmlab.data.schema import SCENARIOS, Table, table, tables_for
from crmlab.i18n import N_, _, plot_language, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from crmlab.data.io import CRMData

__all__ = ["cjk_font", "column_dictionary", "foreign_keys", "plot_monthly_activity", "plot_schema",
           "table_overview"]

# Where each table sits in the schema diagram (x, y).  Organisation on top
# (who serves), customers in the middle, what customers do at the bottom;
# the sales pipeline sits between employees and regions, marketing on the right.
LAYOUT: dict[str, tuple[float, float]] = {
    "crm_usage": (0.8, 3.1),
    "employees": (2.35, 3.1),
    "leads": (3.9, 3.1),
    "regions": (5.45, 3.1),
    "kpi_monthly": (7.1, 3.1),
    "opportunities": (3.9, 1.8),
    "customers": (5.45, 1.8),
    "campaigns": (8.65, 1.8),
    "interactions": (0.8, 0.5),
    "tickets": (2.35, 0.5),
    "orders": (3.9, 0.5),
    "contracts": (5.45, 0.5),
    "holdings": (5.45, 0.5),
    "surveys": (7.1, 0.5),
    "campaign_contacts": (8.65, 0.5),
    # questionnaires: the SERVQUAL items above the surveys they belong to, Kano on the left
    "servqual_items": (7.2, 1.8),  # a little right: room for the referred_by loop
    "kano_responses": (0.8, 1.8),
    # what happens to a customer over time, around the customers box
    "address_changes": (3.9, 1.8),  # between customers and regions (old and new region)
    "plan_changes": (3.9, 3.1),
    "service_faults": (7.1, 3.1),  # kpi_monthly then moves to the right (MOVED_KPI_LAYOUT)
}
# Without contracts or holdings, orders moves under customers.
NO_CONTRACT_LAYOUT = {"interactions": (1.2, 0.5), "tickets": (3.05, 0.5), "orders": (5.45, 0.5)}
# With the sales pipeline, opportunities hold the address changes' place; they go
# diagonally above customers instead (from further right, their arrow to customers
# would cross the referred_by label).
PIPELINE_LAYOUT = {"address_changes": (7.1, 3.1)}
# A table in the kpi_monthly slot pushes the KPIs to the top right.
MOVED_KPI_LAYOUT = {"kpi_monthly": (8.65, 3.1)}
XLIM, YLIM = (0.0, 9.45), (0.05, 3.75)
# Box colours by kind of table.
GROUPS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # key: (English, 中文, tables)
    "organisation": ("organisation", "组织", ("regions", "employees", "crm_usage",
                                                "kpi_monthly")),
    "customers": ("customers", "客户", ("customers",)),
    "activity": ("transactions and service", "交易与服务",
                 ("orders", "contracts", "holdings", "interactions", "tickets", "surveys",
                  "servqual_items", "kano_responses")),
    "marketing": ("marketing and sales", "营销与销售",
                  ("campaigns", "campaign_contacts", "leads", "opportunities")),
}
COLOURS = {"organisation": "#dbe9f6", "customers": "#fde3c8", "activity": "#dcefd8",
           "marketing": "#eadcf0"}
BOX_W, BOX_H = 1.3, 0.58
ARC_RADII = (0.0, -0.1, 0.1, -0.2, 0.2, -0.35, 0.35, -0.5, 0.5)  # tried in turn to avoid boxes


def cjk_font() -> str | None:
    """Name of an installed font with Chinese glyphs, or ``None`` (see
    :func:`crmlab.i18n.cjk_font`).

    >>> name = cjk_font()
    >>> name is None or isinstance(name, str)
    True
    """
    from crmlab.i18n import cjk_font as find

    return find()


# the scenario names in plot titles
SCENARIO_NAMES = (N_("retail"), N_("telecom"), N_("bank"), N_("b2b"))


def _check_scenario(scenario: str) -> None:
    if scenario not in SCENARIOS:
        raise ValueError(_("unknown scenario {scenario}; choose one of: {scenarios}").format(
                             scenario=repr(scenario), scenarios=', '.join(SCENARIOS)))


def foreign_keys(scenario: str = "retail") -> pd.DataFrame:
    """The foreign keys of a scenario's tables, one row per referencing column.

    Parameters
    ----------
    scenario : {"retail", "telecom", "bank", "b2b"}

    Returns
    -------
    pandas.DataFrame
        Columns ``table``, ``column``, ``references_table``, ``references_column``.

    Examples
    --------
    >>> fk = foreign_keys("retail")
    >>> fk[fk.table == "orders"][["column", "references_table"]].values.tolist()
    [['customer_id', 'customers']]
    """
    _check_scenario(scenario)
    rows = []
    for tab in tables_for(scenario):
        for col in tab.columns_for(scenario):
            if col.references:
                ref_table, ref_col = col.references.split(".")
                rows.append((tab.name, col.name, ref_table, ref_col))
    return pd.DataFrame(rows, columns=["table", "column", "references_table",
                                       "references_column"])


def _group_of(name: str) -> str:
    return next((g for g, (_, _, names) in GROUPS.items() if name in names), "activity")


def plot_schema(scenario: str = "retail", ax: Axes | None = None,
                chinese: bool | None = None) -> Axes:
    """Draw a scenario's tables as boxes and its foreign keys as arrows.

    An arrow goes from the referencing table to the referenced one (orders →
    customers: every order names its customer).  A reference of a table to
    itself (a customer referred by another customer) is drawn as a loop.

    Parameters
    ----------
    scenario : {"retail", "telecom", "bank", "b2b"}
        Which scenario's tables to draw.
    ax : matplotlib Axes, optional
        Where to draw; a new 11 x 5.5 inch figure if omitted.
    chinese : bool, optional
        Add the Chinese table names (中文表名).  ``None`` (default): only if a
        font with Chinese glyphs is installed (see :func:`cjk_font`).

    Returns
    -------
    matplotlib.axes.Axes
        Boxes have ``gid`` ``"table:<name>"``, arrows ``"fk:<table>.<column>"``
        and self-references ``"self:<table>.<column>"``.

    Raises
    ------
    ValueError
        For an unknown scenario, or ``chinese=True`` without a Chinese font.

    Examples
    --------
    >>> ax = plot_schema("telecom", chinese=False)
    >>> sorted(p.get_gid()[6:] for p in ax.patches if str(p.get_gid()).startswith("table:"))[:3]
    ['address_changes', 'campaign_contacts', 'campaigns']
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

    _check_scenario(scenario)
    font = cjk_font()
    if chinese and font is None:
        raise ValueError(_("no font with Chinese glyphs is installed: install one (e.g. the "
                           "fonts-noto-cjk package) or pass chinese=False"))
    if chinese is None:
        chinese = font is not None
    text_font = {"family": ["DejaVu Sans", font]} if chinese else {}

    if ax is None:
        _unused, ax = plt.subplots(figsize=(11, 4.6))
    tabs: list[Table] = tables_for(scenario)
    pos = _positions([t.name for t in tabs])
    boxes = {}
    for tab in tabs:
        x, y = pos[tab.name]
        box = FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H,
                             boxstyle="round,pad=0.02,rounding_size=0.08",
                             facecolor=COLOURS[_group_of(tab.name)], edgecolor="#555555",
                             linewidth=1.0, zorder=2, gid=f"table:{tab.name}")
        ax.add_patch(box)
        boxes[tab.name] = box
        ax.text(x, y + (0.11 if chinese else 0), tab.name, ha="center", va="center",
                fontsize=8.5, fontweight="bold", zorder=3)
        if chinese:
            ax.text(x, y - 0.13, _short_zh(tab.zh), ha="center", va="center", fontsize=8.5,
                    zorder=3, **text_font)

    used: dict[tuple[str, str], list[float]] = {}
    for fk in foreign_keys(scenario).itertuples(index=False):
        x, y = pos[fk.table]
        if fk.table == fk.references_table:
            ax.add_patch(FancyArrowPatch((x + BOX_W / 2, y + 0.12), (x + BOX_W / 2, y - 0.12),
                                         connectionstyle="arc3,rad=-1.6", arrowstyle="-|>",
                                         mutation_scale=10, color="#777777", linewidth=1.0,
                                         zorder=1, gid=f"self:{fk.table}.{fk.column}"))
            # above the loop: the space to the right of the box may hold another table
            ax.text(x + BOX_W / 2 + 0.05, y + BOX_H / 2 + 0.1, fk.column, fontsize=7,
                    color="#555555", va="center", ha="left", zorder=3)
            continue
        start, end = pos[fk.table], pos[fk.references_table]
        others = [p for name, p in pos.items() if name not in (fk.table, fk.references_table)]
        # a second key to the same table (old and new region) gets its own curve
        pair = used.setdefault((fk.table, fk.references_table), [])
        rad = _free_arc(start, end, others, avoid=pair)
        pair.append(rad)
        ax.add_patch(FancyArrowPatch(start, end, patchA=boxes[fk.table],
                                     patchB=boxes[fk.references_table],
                                     connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>",
                                     mutation_scale=12, color="#666666", linewidth=1.0,
                                     shrinkA=2, shrinkB=2, zorder=1,
                                     gid=f"fk:{fk.table}.{fk.column}"))

    present = {_group_of(t.name) for t in tabs}
    zh_labels = chinese and plot_language() == "zh"
    handles = [Patch(facecolor=COLOURS[g], edgecolor="#555555",
                     label=zh if zh_labels else f"{en} ({zh})" if chinese else en)
               for g, (en, zh, _) in GROUPS.items() if g in present]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.04),
              ncol=len(handles), frameon=False, prop={"size": 8.5, **text_font})
    ax.set_xlim(*XLIM)
    ax.set_ylim(min(YLIM[0], min(y for _, y in pos.values()) - BOX_H), YLIM[1])
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(plot_text("Tables of the {scenario} scenario; arrow = foreign key "
                           "(referencing table → referenced table)").format(
        scenario=plot_text(scenario)), fontsize=10)
    return ax


def _positions(names: list[str]) -> dict[str, tuple[float, float]]:
    """Centres of the boxes: from :data:`LAYOUT`; tables it lacks go in a row below."""
    pos = {n: LAYOUT[n] for n in names if n in LAYOUT}
    if "orders" in pos and not {"contracts", "holdings"} & set(names):
        pos.update({k: v for k, v in NO_CONTRACT_LAYOUT.items() if k in pos})
    if {"leads", "opportunities"} & set(names):
        pos.update({k: v for k, v in PIPELINE_LAYOUT.items() if k in pos})
    if any(p == LAYOUT["kpi_monthly"] for n, p in pos.items() if n != "kpi_monthly"):
        pos.update({k: v for k, v in MOVED_KPI_LAYOUT.items() if k in pos})
    extra = [n for n in names if n not in LAYOUT]
    for i, name in enumerate(extra):
        pos[name] = (0.8 + 1.55 * i, -0.6)
    return pos


def _free_arc(start: tuple[float, float], end: tuple[float, float],
              others: list[tuple[float, float]], avoid: Sequence[float] = ()) -> float:
    """Curvature (matplotlib ``arc3`` rad) of the first arrow path that misses every box.

    Curvatures in ``avoid`` (taken by another arrow between the same two boxes)
    are skipped while another free one is left.
    """
    free = [rad for rad in ARC_RADII if _arc_is_free(start, end, others, rad)]
    return next((rad for rad in free if rad not in avoid), free[0] if free else ARC_RADII[0])


def _arc_is_free(start: tuple[float, float], end: tuple[float, float],
                 others: list[tuple[float, float]], rad: float, margin: float = 0.05) -> bool:
    """Whether the ``arc3`` arrow from ``start`` to ``end`` keeps clear of the boxes ``others``."""
    (x0, y0), (x1, y1) = start, end
    # arc3 is a quadratic Bezier curve with this control point
    cx, cy = (x0 + x1) / 2 + rad * (y1 - y0), (y0 + y1) / 2 - rad * (x1 - x0)
    for i in range(41):
        t = i / 40
        px = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t**2 * x1
        py = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t**2 * y1
        if any(abs(px - bx) < BOX_W / 2 + margin and abs(py - by) < BOX_H / 2 + margin
               for bx, by in others):
            return False
    return True


def _short_zh(zh: str) -> str:
    """Chinese table name without the parenthesised detail, for a small box."""
    return zh.split("（")[0].split("(")[0].split("：")[0].split(":")[0]


def _frames(data: CRMData | Mapping[str, pd.DataFrame]) -> Mapping[str, pd.DataFrame]:
    frames = getattr(data, "tables", data)
    if not isinstance(frames, Mapping):
        raise TypeError(_("expected a CRMData (from crmlab.load or crmlab.generate) or a dict "
                          "of DataFrames, got {type}").format(type=type(data).__name__))
    return frames


def table_overview(data: CRMData | Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per table: its size and its meaning in English and Chinese.

    Parameters
    ----------
    data : CRMData or dict of DataFrames
        A dataset from :func:`crmlab.load` or :func:`crmlab.generate`.

    Returns
    -------
    pandas.DataFrame
        Columns ``table``, ``rows``, ``columns``, ``meaning``, ``含义``, in the
        dataset's table order.

    Raises
    ------
    ValueError
        If a table is not in the schema.
    TypeError
        If ``data`` is neither a dataset nor a dict of DataFrames.

    Examples
    --------
    >>> import crmlab
    >>> data = crmlab.generate("b2b", n_customers=50, seed=1)
    >>> overview = table_overview(data).set_index("table")
    >>> int(overview.loc["customers", "rows"]), overview.loc["customers", "含义"]
    (50, '客户')
    """
    rows = []
    for name, df in _frames(data).items():
        tab = table(name)
        rows.append((name, len(df), df.shape[1], tab.en, tab.zh))
    out = pd.DataFrame(rows, columns=["table", "rows", "columns", "meaning", "含义"])
    return out.astype({"rows": "int64", "columns": "int64"})


def column_dictionary(table_name: str, scenario: str = "retail") -> pd.DataFrame:
    """The data dictionary (数据字典) of one table: its columns and what they mean.

    Parameters
    ----------
    table_name : str
        A table of the schema, e.g. ``"orders"``.
    scenario : {"retail", "telecom", "bank", "b2b"}
        Columns that exist only in other scenarios are left out.

    Returns
    -------
    pandas.DataFrame
        Columns ``column``, ``type``, ``meaning``, ``含义``, ``key`` (``PK`` for
        the primary key, ``→ table.column`` for a foreign key).

    Raises
    ------
    ValueError
        For an unknown table or scenario, or a table the scenario does not have.

    Examples
    --------
    >>> column_dictionary("orders").iloc[1].tolist()
    ['customer_id', 'id', 'Customer', '客户编号', '→ customers.customer_id']
    """
    _check_scenario(scenario)
    tab = table(table_name)
    if scenario not in tab.scenarios:
        have = ", ".join(t.name for t in tables_for(scenario))
        raise ValueError(_("the {scenario} scenario has no {table_name} table; it has: {have}").format(
                             scenario=scenario, table_name=table_name, have=have))
    rows = []
    for col in tab.columns_for(scenario):
        keys = ["PK"] if col.name in tab.primary_key else []
        if col.references:
            keys.append(f"→ {col.references}")
        rows.append((col.name, col.dtype, col.en, col.zh, ", ".join(keys)))
    return pd.DataFrame(rows, columns=["column", "type", "meaning", "含义", "key"])


def plot_monthly_activity(data: CRMData | Mapping[str, pd.DataFrame],
                          ax: Axes | None = None) -> Axes:
    """Orders per month (bars, left axis) and revenue per month (line, right axis).

    Parameters
    ----------
    data : CRMData or dict of DataFrames
        Needs an ``orders`` table with ``order_date`` (parsed dates) and ``amount``.
    ax : matplotlib Axes, optional
        Where to draw the bars; the revenue line goes on ``ax.twinx()``.

    Returns
    -------
    matplotlib.axes.Axes
        The axes with the bars (the twin axes is ``ax.right_ax``).

    Raises
    ------
    ValueError
        If there is no ``orders`` table, it lacks a column, or its dates are text.

    Examples
    --------
    >>> import crmlab
    >>> ax = plot_monthly_activity(crmlab.generate("retail", n_customers=100, seed=1))
    >>> ax.get_ylabel()
    'orders per month'
    """
    import matplotlib.pyplot as plt

    frames = _frames(data)
    if "orders" not in frames:
        raise ValueError(_("no orders table; tables: {frames}").format(frames=', '.join(frames)))
    orders = frames["orders"]
    require_columns(orders, "orders", ("order_date", "amount"), check_frame=False)
    if not pd.api.types.is_datetime64_any_dtype(orders["order_date"]):
        raise ValueError(_("orders.order_date holds text, not dates (a dataset made with "
                           "defects?): parse it first, e.g. pd.to_datetime(..., format='mixed')"))
    require_numeric(orders, "orders", ["amount"], missing=True)
    amount = orders["amount"]
    if amount.isna().any():
        warnings.warn(_("plot_monthly_activity: {missing} of {total} orders have no amount and are left "
                        "out of the revenue line").format(
                          missing=format(int(amount.isna().sum()), ","), total=format(len(amount), ",")), stacklevel=2)
    monthly = (pd.DataFrame({"month": orders["order_date"].dt.to_period("M"), "amount": amount})
               .groupby("month").agg(orders=("amount", "size"), revenue=("amount", "sum")))
    if ax is None:
        _unused, ax = plt.subplots(figsize=(10, 3.5))
    x = monthly.index.to_timestamp()
    ax.bar(x, monthly["orders"], width=20, color="#9ecae1", label=plot_text("number of orders"))
    ax.set_ylabel(plot_text("orders per month"))
    right = ax.twinx()
    right.plot(x, monthly["revenue"], color="#d95f02", marker="o", markersize=3,
               label=plot_text("revenue"))
    right.set_ylabel(plot_text("revenue per month"))
    right.set_ylim(bottom=0)
    ax.right_ax = right
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", frameon=False)
    ax.set_title(plot_text("Orders and revenue per month"))
    return ax
