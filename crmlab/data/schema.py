"""The one definition of every table the generator writes.

Everything else is derived from here: the data dictionary in
``datasets/README.md``, the dtypes used when a dataset is loaded, the check
that a generated table has exactly its columns, and the SQLite primary and
foreign keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crmlab.i18n import _

__all__ = ["Column", "Table", "TABLES", "SCENARIOS", "tables_for", "table"]

SCENARIOS = ("retail", "telecom", "bank", "b2b")
ALL = frozenset(SCENARIOS)


@dataclass(frozen=True)
class Column:
    """One column: name, logical type, meaning in English and Chinese."""

    name: str
    dtype: str  # id | str | int | float | bool | date | datetime
    en: str
    zh: str
    scenarios: frozenset[str] = ALL
    references: str | None = None  # "table.column" for a foreign key
    nullable: bool = False
    decimals: int = 2  # rounding for float columns when saved


@dataclass(frozen=True)
class Table:
    """One table: its columns, primary key and which scenarios have it."""

    name: str
    en: str
    zh: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    scenarios: frozenset[str] = ALL
    notes: str = ""
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def columns_for(self, scenario: str) -> list[Column]:
        return [c for c in self.columns if scenario in c.scenarios]

    def column_names(self, scenario: str) -> list[str]:
        return [c.name for c in self.columns_for(scenario)]


def C(name, dtype, en, zh, **kw) -> Column:  # noqa: N802 - short constructor
    if "scenarios" in kw:
        kw["scenarios"] = frozenset(kw["scenarios"])
    return Column(name, dtype, en, zh, **kw)


def only(*names: str) -> dict:
    return {"scenarios": frozenset(names)}


TABLES: tuple[Table, ...] = (
    Table(
        "regions", "Sales/service regions and their CRM roll-out", "区域及CRM上线时间",
        (
            C("region_id", "id", "Region identifier", "区域编号"),
            C("region_name", "str", "Region name", "区域名称"),
            C("hq_city", "str", "City of the regional office", "区域总部城市"),
            C("is_pilot", "bool", "Region was a CRM pilot (rolled out first)", "是否CRM试点区域"),
            C("crm_rollout_date", "date", "Date the CRM system went live in the region "
              "(after the data's end date: not yet rolled out)", "CRM系统上线日期"),
        ),
        primary_key=("region_id",),
    ),
    Table(
        "employees", "Sales reps, service agents and account managers", "员工（销售、客服、客户经理）",
        (
            C("employee_id", "id", "Employee identifier", "员工编号"),
            C("name", "str", "Employee name", "姓名"),
            C("role", "str", "sales_rep, service_agent or account_manager", "岗位"),
            C("region_id", "id", "Region the employee works in", "所属区域", references="regions.region_id"),
            C("hire_date", "date", "Date hired", "入职日期"),
        ),
        primary_key=("employee_id",),
    ),
    Table(
        "crm_usage", "Weekly CRM system usage per employee (after roll-out)", "员工每周CRM使用情况",
        (
            C("employee_id", "id", "Employee", "员工编号", references="employees.employee_id"),
            C("week_start", "date", "Monday of the week", "周起始日"),
            C("logins", "int", "Logins to the CRM system that week", "登录次数"),
            C("records_entered", "int", "Customer records created or updated that week", "录入/更新记录数"),
        ),
        primary_key=("employee_id", "week_start"),
    ),
    Table(
        "customers", "Customers (accounts, for b2b)", "客户",
        (
            C("customer_id", "id", "Customer identifier", "客户编号"),
            C("name", "str", "Customer name (company name for b2b)", "客户姓名/公司名"),
            C("gender", "str", "F or M", "性别", **only("retail", "telecom", "bank")),
            C("age", "int", "Age in years at the data's end date", "年龄", **only("retail", "telecom", "bank")),
            C("industry", "str", "Industry of the account", "所属行业", **only("b2b")),
            C("company_size", "int", "Number of employees of the account", "企业规模（员工数）", **only("b2b")),
            C("city", "str", "City at sign-up (later moves: address_changes)", "注册时所在城市"),
            C("region_id", "id", "Region serving the customer", "所属区域", references="regions.region_id"),
            C("signup_date", "date", "Date the customer registered / signed the first contract",
              "注册/签约日期"),
            C("acquisition_channel", "str", "How the customer was acquired", "获客渠道"),
            C("acquisition_cost", "float", "Cost of acquiring the customer", "获客成本"),
            C("referred_by", "id", "Customer who referred this one (acquisition_channel = referral)",
              "推荐人客户编号", references="customers.customer_id", nullable=True),
            C("membership_tier", "str", "Membership tier at the end date (from points)", "会员等级",
              **only("retail")),
            C("points", "int", "Membership points balance at the end date", "会员积分", **only("retail")),
            C("account_manager_id", "id", "Relationship / key-account manager", "客户经理",
              references="employees.employee_id", **only("bank", "b2b")),
            C("email", "str", "E-mail address (unique per customer; a repeat is a duplicate record)", "电子邮箱（每位客户唯一；重复即重复记录）"),
            C("phone", "str", "Phone number (unique per customer, like the e-mail)", "电话（每位客户唯一）"),
            C("marketing_consent", "bool", "Agreed to receive marketing", "是否同意接收营销信息"),
            C("settings_personalised", "int", "How many of the six personalisation settings "
              "(preferred channel, contact time, language, app layout, topics, bill format) the "
              "customer has set", "已设置的个性化选项数（共6项）"),
            C("custom_offers", "int", "Customised offers the firm made to the customer",
              "收到的个性化定制优惠数"),
            C("custom_offers_accepted", "int", "Customised offers the customer accepted",
              "接受的个性化定制优惠数"),
        ),
        primary_key=("customer_id",),
    ),
    Table(
        "orders", "Purchases (retail, b2b), monthly bills (telecom), product sales (bank)",
        "订单/账单/产品销售",
        (
            C("order_id", "id", "Order identifier", "订单编号"),
            C("customer_id", "id", "Customer", "客户编号", references="customers.customer_id"),
            C("order_date", "date", "Date of the order or bill", "订单日期"),
            C("amount", "float", "Amount paid (bank: product value)", "金额"),
            C("margin", "float", "Gross margin earned (bank: expected yearly revenue)", "毛利"),
            C("category", "str", "Product category / bill item / bank product", "品类"),
            C("channel", "str", "Sales channel", "销售渠道"),
            C("discount", "float", "Coupon value taken off the list price (amount is what was "
              "paid; empty: no coupon; telecom: add-ons only)", "优惠券抵扣金额（空：未用券）",
              nullable=True, **only("retail", "telecom")),
        ),
        primary_key=("order_id",),
    ),
    Table(
        "contracts", "Telecom service contracts (churn is observed)", "电信合约",
        (
            C("contract_id", "id", "Contract identifier", "合约编号"),
            C("customer_id", "id", "Customer", "客户编号", references="customers.customer_id"),
            C("plan", "str", "Tariff plan", "套餐"),
            C("monthly_fee", "float", "Monthly fee at signing", "月费"),
            C("start_date", "date", "Contract start", "开始日期"),
            C("end_date", "date", "Date the customer left (empty: still a customer)", "终止日期",
              nullable=True),
            C("status", "str", "active or churned at the end date", "状态"),
        ),
        primary_key=("contract_id",),
        scenarios=frozenset({"telecom"}),
    ),
    Table(
        "holdings", "Bank products held (closed when the relationship ends)", "银行产品持有",
        (
            C("holding_id", "id", "Holding identifier (= the order that sold it)", "持有编号",
              references="orders.order_id"),
            C("customer_id", "id", "Customer", "客户编号", references="customers.customer_id"),
            C("product", "str", "Bank product", "产品"),
            C("opened_date", "date", "Date opened", "开户日期"),
            C("closed_date", "date", "Date closed (empty: still held)", "销户日期", nullable=True),
            C("balance", "float", "Balance or limit at the end date (0 when closed)", "余额/额度"),
        ),
        primary_key=("holding_id",),
        scenarios=frozenset({"bank"}),
    ),
    Table(
        "interactions", "Contacts between firm and customer", "客户互动记录",
        (
            C("interaction_id", "id", "Interaction identifier", "互动编号"),
            C("customer_id", "id", "Customer", "客户编号", references="customers.customer_id"),
            C("interaction_time", "datetime", "When it happened", "时间"),
            C("channel", "str", "phone, email, app, sms or store/branch visit", "渠道"),
            C("direction", "str", "inbound (customer to firm) or outbound (firm to customer)", "方向"),
            C("purpose", "str", "inquiry, care, promotion, complaint or feedback; telecom also "
              "billing (question about the bill or price), porting (asks for the number-porting "
              "code or a retention offer) and notice (the firm tells a customer their plan terms "
              "end)", "目的（电信另有：账单咨询、携号转网/挽留优惠咨询、公司通知）"),
            C("employee_id", "id", "Employee who handled it (empty for automated contact)",
              "处理员工", references="employees.employee_id", nullable=True),
        ),
        primary_key=("interaction_id",),
    ),
    Table(
        "address_changes", "Changes of address the customer reported (moves)", "客户地址变更",
        (
            C("change_id", "id", "Address change identifier", "变更编号"),
            C("customer_id", "id", "Customer", "客户编号", references="customers.customer_id"),
            C("change_date", "date", "Date the new address was recorded", "变更日期"),
            C("old_city", "str", "City before the move", "原城市"),
            C("new_city", "str", "City after the move", "新城市"),
            C("old_region_id", "id", "Region before the move (empty: outside the service area)",
              "原区域", references="regions.region_id", nullable=True),
            C("new_region_id", "id", "Region after the move (empty: outside the firm's service "
              "area)", "新区域（空：服务区域以外）", references="regions.region_id", nullable=True),
        ),
        primary_key=("change_id",),
        scenarios=frozenset({"retail", "telecom", "bank"}),
        notes="Customers who stay move too: a move is evidence of 'moved away', not a label.",
    ),
    Table(
        "plan_changes", "Telecom tariff plan changes (the bills follow the new plan)", "套餐变更",
        (
            C("change_id", "id", "Plan change identifier", "变更编号"),
            C("customer_id", "id", "Customer", "客户编号", references="customers.customer_id"),
            C("change_date", "date", "Date the new plan started", "变更日期"),
            C("old_plan", "str", "Plan before", "原套餐"),
            C("new_plan", "str", "Plan after", "新套餐"),
            C("old_fee", "float", "List monthly fee of the old plan (before the price rise)",
              "原套餐月费（标价）"),
            C("new_fee", "float", "List monthly fee of the new plan (before the price rise)",
              "新套餐月费（标价）"),
        ),
        primary_key=("change_id",),
        scenarios=frozenset({"telecom"}),
        notes="contracts.plan and monthly_fee stay the plan at signing; a customer's monthly "
              "cost is the sum of their orders (bills) in the month.",
    ),
    Table(
        "service_faults", "Network / service faults a customer experienced", "服务故障记录",
        (
            C("fault_id", "id", "Fault identifier", "故障编号"),
            C("customer_id", "id", "Customer", "客户编号", references="customers.customer_id"),
            C("fault_date", "date", "Date of the fault", "故障日期"),
            C("fault_type", "str", "no_signal, slow_data, dropped_calls or outage", "故障类型"),
            C("outage_hours", "float", "Hours until the service worked again", "中断时长（小时）",
              decimals=1),
        ),
        primary_key=("fault_id",),
        scenarios=frozenset({"telecom"}),
    ),
    Table(
        "tickets", "Complaints and service requests", "投诉与服务工单",
        (
            C("ticket_id", "id", "Ticket identifier", "工单编号"),
            C("customer_id", "id", "Customer", "客户编号", references="customers.customer_id"),
            C("employee_id", "id", "Service agent", "处理员工", references="employees.employee_id"),
            C("ticket_type", "str", "complaint or request", "工单类型"),
            C("category", "str", "What it is about", "问题类别"),
            C("severity", "str", "low, medium or high", "严重程度"),
            C("opened_at", "datetime", "Opened", "创建时间"),
            C("resolved_at", "datetime", "Resolved (empty: never resolved)", "解决时间", nullable=True),
            C("outcome", "str", "resolved_fast (within 24 h), resolved_slow or unresolved", "处理结果"),
            C("satisfaction_after", "int", "Satisfaction with the handling, 1-5 (empty: no answer)",
              "处理后满意度", nullable=True),
        ),
        primary_key=("ticket_id",),
    ),
    Table(
        "surveys", "Satisfaction surveys (periodic) and exit surveys", "满意度调查与流失调查",
        (
            C("survey_id", "id", "Survey response identifier", "问卷编号"),
            C("customer_id", "id", "Customer", "客户编号", references="customers.customer_id"),
            C("survey_date", "date", "Date answered", "调查日期"),
            C("survey_type", "str", "periodic or exit", "问卷类型"),
            C("csat", "int", "Overall satisfaction, 1-5 (CSAT)", "总体满意度", nullable=True),
            C("nps", "int", "Likelihood to recommend, 0-10 (NPS question)", "推荐意愿", nullable=True),
            *[
                C(f"{kind}_{dim}", "int", f"SERVQUAL {dim}: {label}, 1-7", f"SERVQUAL {zh_dim}{zh_kind}",
                  nullable=True)
                for dim, zh_dim in (("tangibles", "有形性"), ("reliability", "可靠性"),
                                    ("responsiveness", "响应性"), ("assurance", "保证性"),
                                    ("empathy", "移情性"))
                for kind, label, zh_kind in (("exp", "expectation", "期望"),
                                             ("perc", "perceived performance", "感知"),
                                             ("imp", "stated importance", "重要性"))
            ],
            C("repurchase_intent", "int", "Intent to buy again / stay, 1-5", "再购/续约意向", nullable=True),
            C("exit_reason", "str", "Main reason for leaving (exit surveys only)", "流失原因",
              nullable=True),
        ),
        primary_key=("survey_id",),
    ),
    Table(
        "servqual_items", "SERVQUAL questionnaire: 22 paired items (Parasuraman, Zeithaml & "
        "Berry 1988), one row per respondent and item, for a subsample of the periodic "
        "surveys", "SERVQUAL量表22个配对题项（每位受访者每题一行，定期调查的子样本）",
        (
            C("survey_id", "id", "Periodic survey the items were answered with", "问卷编号",
              references="surveys.survey_id"),
            C("customer_id", "id", "Customer", "客户编号", references="customers.customer_id"),
            C("item", "str", "Item code, TAN1-4, REL1-5, RES1-4, ASS1-4, EMP1-5 (wordings: "
              "crmlab.data.questionnaires.SERVQUAL_ITEMS)", "题项代码（题目措辞见SERVQUAL_ITEMS）"),
            C("dimension", "str", "tangibles, reliability, responsiveness, assurance or empathy",
              "维度：有形性、可靠性、响应性、保证性、移情性"),
            C("expectation", "int", "What an excellent firm of the kind would do, 1-7",
              "期望（优秀企业应达到的水平），1-7"),
            C("perception", "int", "What this firm does, 1-7", "感知（本企业的实际表现），1-7"),
        ),
        primary_key=("survey_id", "item"),
        notes="Gap score = perception - expectation per item; a dimension's score is the mean "
              "of its items. 差距分 = 感知 - 期望。",
    ),
    Table(
        "kano_responses", "Kano survey: functional and dysfunctional answer per customer and "
        "feature (Kano et al. 1984)", "卡诺问卷：每位客户对每项功能的正向与反向回答",
        (
            C("customer_id", "id", "Customer (current customers, surveyed at the end date)",
              "客户编号", references="customers.customer_id"),
            C("feature", "str", "Feature asked about (wordings: "
              "crmlab.data.questionnaires.KANO_FEATURES)", "功能/服务特性"),
            C("functional", "str", "If the feature is offered: like, must-be, neutral, live-with "
              "or dislike", "正向问题（提供该功能时）：喜欢、理应如此、无所谓、能忍受、不喜欢"),
            C("dysfunctional", "str", "If it is not offered: like, must-be, neutral, live-with or "
              "dislike", "反向问题（不提供该功能时）"),
        ),
        primary_key=("customer_id", "feature"),
    ),
    Table(
        "campaigns", "Marketing campaigns", "营销活动",
        (
            C("campaign_id", "id", "Campaign identifier", "活动编号"),
            C("campaign_name", "str", "Name", "活动名称"),
            C("start_date", "date", "Start", "开始日期"),
            C("channel", "str", "Contact channel", "渠道"),
            C("target_segment", "str", "Segment targeted: new, active, lapsing or dormant", "目标细分"),
            C("cost_per_contact", "float", "Cost of contacting one customer", "单次接触成本"),
        ),
        primary_key=("campaign_id",),
        scenarios=frozenset({"retail", "telecom", "bank"}),
    ),
    Table(
        "campaign_contacts", "Customers in each campaign, randomised to treatment or control",
        "活动对象（随机分为实验组与对照组）",
        (
            C("campaign_id", "id", "Campaign", "活动编号", references="campaigns.campaign_id"),
            C("customer_id", "id", "Customer", "客户编号", references="customers.customer_id"),
            C("group", "str", "treatment (contacted) or control (held out)", "分组"),
            C("responded", "bool", "Bought within the response window", "是否响应"),
            C("revenue", "float", "Revenue from the response", "响应收入"),
        ),
        primary_key=("campaign_id", "customer_id"),
        scenarios=frozenset({"retail", "telecom", "bank"}),
    ),
    Table(
        "leads", "Sales leads (prospects not yet customers)", "销售线索",
        (
            C("lead_id", "id", "Lead identifier", "线索编号"),
            C("company", "str", "Prospect name", "潜在客户名称"),
            C("source", "str", "Where the lead came from", "线索来源"),
            C("created_date", "date", "Date the lead arrived", "创建日期"),
            C("region_id", "id", "Region", "区域", references="regions.region_id"),
            C("employee_id", "id", "Sales rep assigned", "负责销售", references="employees.employee_id"),
            C("qualified", "bool", "Lead became an opportunity", "是否转为商机"),
        ),
        primary_key=("lead_id",),
        scenarios=frozenset({"bank", "b2b"}),
    ),
    Table(
        "opportunities", "Sales opportunities and their stage history", "销售机会及阶段",
        (
            C("opportunity_id", "id", "Opportunity identifier", "商机编号"),
            C("lead_id", "id", "Lead it came from", "线索编号", references="leads.lead_id"),
            C("employee_id", "id", "Sales rep", "负责销售", references="employees.employee_id"),
            C("value", "float", "Deal value", "商机金额"),
            C("qualified_date", "date", "Entered stage 'qualified'", "确认商机日期"),
            C("proposal_date", "date", "Entered stage 'proposal'", "方案阶段日期", nullable=True),
            C("negotiation_date", "date", "Entered stage 'negotiation'", "谈判阶段日期", nullable=True),
            C("closed_date", "date", "Won or lost on this date (empty: still open)", "关闭日期",
              nullable=True),
            C("stage", "str", "Stage at the end date: qualified, proposal, negotiation, won or lost",
              "当前阶段"),
        ),
        primary_key=("opportunity_id",),
        scenarios=frozenset({"bank", "b2b"}),
    ),
    Table(
        "kpi_monthly", "Monthly KPI panel per region", "区域月度KPI面板",
        (
            C("region_id", "id", "Region", "区域", references="regions.region_id"),
            C("month", "date", "First day of the month", "月份"),
            C("new_customers", "int", "Customers who signed up that month", "新增客户数"),
            C("active_customers", "int", "Customers who bought (retail, b2b) or held a contract "
              "(telecom, bank) that month", "活跃客户数"),
            C("orders", "int", "Orders that month", "订单数"),
            C("revenue", "float", "Revenue that month", "收入"),
            C("complaints", "int", "Complaints opened that month", "投诉数"),
            C("resolved_fast_pct", "float", "Share of that month's complaints resolved within 24 h (%)",
              "24小时内解决率(%)", nullable=True, decimals=1),
            C("satisfaction_index", "float", "Regional tracking-survey satisfaction index, 0-100 "
              "(ACSI-style)", "满意度指数", decimals=1),
            C("crm_logins_per_employee", "float", "Average weekly CRM logins per employee", "人均周登录次数",
              decimals=1),
        ),
        primary_key=("region_id", "month"),
    ),
)

_BY_NAME = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    """Return the schema of one table (``ValueError`` naming the known ones)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(_("unknown table {name}; known tables: {by_name}").format(
                             name=repr(name), by_name=', '.join(_BY_NAME))) from None


def tables_for(scenario: str) -> list[Table]:
    """Tables a scenario has, in dependency order (referenced tables first)."""
    return [t for t in TABLES if scenario in t.scenarios]
