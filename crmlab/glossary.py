"""Key terms of the course in English and Chinese, in one place.

>>> from crmlab.glossary import term
>>> term("customer lifetime value")
'customer lifetime value (客户终身价值)'
"""

from __future__ import annotations

from crmlab.i18n import _

__all__ = ["GLOSSARY", "term", "glossary"]

# english term -> (chinese, chapter notebook where it is introduced: "03", "04a", ...)
GLOSSARY: dict[str, tuple[str, str]] = {
    "customer relationship management": ("客户关系管理", "00"),
    "scenario": ("行业场景", "00"),
    "causal simulation": ("因果模拟", "00"),
    "foreign key": ("外键", "00"),
    "average order value": ("客单价", "00"),
    # 01 relationship marketing
    "transaction marketing": ("交易营销", "01"),
    "relationship marketing": ("关系营销", "01"),
    "customer orientation": ("客户导向", "01"),
    "two-way communication": ("双向沟通", "01"),
    "long-term relationship": ("长期关系", "01"),
    "customer-centric marketing": ("以客户为中心的营销", "01"),
    "80/20 rule": ("二八法则", "01"),
    "customer concentration": ("客户集中度", "01"),
    "Lorenz curve": ("洛伦兹曲线", "01"),
    "Gini coefficient": ("基尼系数", "01"),
    "retention rate": ("客户保持率", "01"),
    "churn rate": ("客户流失率", "01"),
    "acquisition cost": ("获客成本", "01"),
    "retention cost": ("客户保持成本", "01"),
    "customer equity": ("客户资产", "01"),
    "4P marketing mix": ("4P营销组合", "01"),
    "differentiated service": ("差异化服务", "01"),
    "partner relationship management": ("伙伴关系管理", "01"),
    "business process reengineering": ("业务流程再造", "01"),
    "enterprise resource planning": ("企业资源计划", "01"),
    "electronic commerce": ("电子商务", "01"),
    "business intelligence": ("商业智能", "01"),
    "ABC analysis": ("ABC分类", "01"),
    "survivorship bias": ("幸存者偏差", "01"),
    # 02 lifecycle
    "customer lifecycle": ("客户生命周期", "02"),
    "potential customer": ("潜在客户", "02"),
    "new customer": ("新客户", "02"),
    "active customer": ("活跃客户", "02"),
    "loyal customer": ("忠诚客户", "02"),
    "churned customer": ("流失客户", "02"),
    "cohort": ("同期群", "02"),
    "cohort retention": ("同期群留存", "02"),
    "transition matrix": ("状态转移矩阵", "02"),
    "contractual": ("契约型", "02"),
    "non-contractual": ("非契约型", "02"),
    "intentionally pushed away": ("蓄意摒弃", "02"),
    "unintentionally pushed away": ("非蓄意摒弃", "02"),
    "pulled away by a competitor": ("被竞争对手吸引走", "02"),
    "bought away by price": ("低价寻求型", "02"),
    "moved away / no longer qualifies": ("条件丧失型", "02"),
    "win-back programme": ("赢返计划", "02"),
    "as-of date": ("观察截止日", "02"),
    "survival curve": ("生存曲线", "02"),
    "censoring": ("删失", "02"),
    # 03 customer value
    "customer value": ("客户价值", "03"),
    "RFM analysis": ("RFM分析", "03"),
    "recency": ("最近一次消费", "03"),
    "frequency": ("消费频率", "03"),
    "monetary value": ("消费金额", "03"),
    "customer pyramid": ("客户金字塔", "03"),
    "value-tiered management": ("分层管理", "03"),
    "customer lifetime value": ("客户终身价值", "03"),
    "discount rate": ("贴现率", "03"),
    "customer-asset maximisation": ("客户资产最大化", "03"),
    "customer development index": ("客户发展指数", "03"),
    "customer benefit index": ("客户收益指数", "03"),
    "value to the firm": ("客户对企业的价值", "03"),
    "value to the customer": ("企业为客户创造的价值", "03"),
    "margin multiple": ("毛利乘数", "03"),
    "calibration period": ("校准期", "03"),
    "hold-out period": ("验证期", "03"),
    "probability of being alive": ("存活概率", "03"),
    "value matrix": ("价值矩阵", "03"),
    "shifted-beta-geometric model": ("移位贝塔几何模型", "03"),
    "heterogeneity": ("异质性", "03"),
    # 04 satisfaction and loyalty: 04a satisfaction, 04b satisfaction, profit and loyalty
    "customer satisfaction": ("客户满意度", "04a"),
    "expectation": ("期望", "04a"),
    "perceived performance": ("感知绩效", "04a"),
    "disconfirmation": ("期望不一致", "04a"),
    "Net Promoter Score": ("净推荐值", "04a"),
    "service quality": ("服务质量", "04a"),
    "importance-performance analysis": ("重要性-绩效分析", "04a"),
    "customer satisfaction index": ("顾客满意度指数", "04a"),
    "customer loyalty": ("客户忠诚", "04b"),
    "complaint": ("客户抱怨", "04b"),
    "service recovery": ("服务补救", "04b"),
    "loyalty programme": ("忠诚计划", "04b"),
    "loyalty formation stages": ("客户忠诚的形成阶段", "04b"),
    "zone of indifference": ("无差异区", "04b"),
    "service recovery paradox": ("服务补救悖论", "04b"),
    "cognitive loyalty": ("认知忠诚", "04b"),
    "affective loyalty": ("情感忠诚", "04b"),
    "conative loyalty": ("意向忠诚", "04b"),
    "action loyalty": ("行为忠诚", "04b"),
    "Kano model": ("卡诺模型", "04a"),
    "attractive quality": ("魅力质量", "04a"),
    "one-dimensional quality": ("一元质量", "04a"),
    "must-be quality": ("必备质量", "04a"),
    "indifferent quality": ("无差异质量", "04a"),
    "reverse quality": ("反向质量", "04a"),
    "Cronbach's alpha": ("克朗巴哈系数", "04a"),
    "item analysis": ("项目分析", "04a"),
    "satisfaction premium": ("满意溢价", "04b"),
    "confounding": ("混杂", "04b"),
    # 05 CRM strategy: 05a strategy and kinds of CRM, 05b operational CRM in practice
    "hook strategy": ("扣钩战略", "05a"),
    "zipper strategy": ("拉链战略", "05a"),
    "Velcro strategy": ("维可牢战略", "05a"),
    "operational CRM": ("运营型CRM", "05a"),
    "analytical CRM": ("分析型CRM", "05a"),
    "collaborative CRM": ("协作型CRM", "05a"),
    "customer interaction management": ("客户互动管理", "05a"),
    "customer-managed interaction": ("客户管理的互动", "05a"),
    "relationship fit": ("关系契合度", "05a"),
    "sales funnel": ("销售漏斗", "05b"),
    "campaign uplift": ("营销增量效果", "05b"),
    "one-to-one marketing": ("一对一营销", "05b"),
    "sales lead": ("销售线索", "05b"),
    "sales opportunity": ("销售机会", "05b"),
    "weighted pipeline forecast": ("加权销售预测", "05b"),
    "treatment group": ("实验组", "05b"),
    "control group": ("对照组", "05b"),
    # 06 implementation and evaluation
    "key success factor": ("关键成功因素", "06"),
    "key performance indicator": ("关键绩效指标", "06"),
    "return on investment": ("投资回报率", "06"),
    "payback period": ("投资回收期", "06"),
    "difference-in-differences": ("双重差分", "06"),
    "balanced scorecard": ("平衡计分卡", "06"),
    "employee adoption": ("员工使用率", "06"),
    "evaluation index system": ("评估指标体系", "06"),
    "threshold": ("阈值", "06"),
    "analytic hierarchy process": ("层次分析法", "06"),
    "consistency ratio": ("一致性比率", "06"),
    "pilot": ("试点", "06"),
    "parallel trends": ("平行趋势", "06"),
    "net present value": ("净现值", "06"),
    "data-quality score": ("数据质量评分", "06"),
    "two-way fixed effects": ("双向固定效应", "06"),
    "event study": ("事件研究", "06"),
    "placebo check": ("安慰剂检验", "06"),
    "permutation test": ("置换检验", "06"),
    # 07 information integration
    "data silo": ("数据孤岛", "07"),
    "data cleaning": ("数据清洗", "07"),
    "de-duplication": ("去重", "07"),
    "360-degree customer view": ("客户360度视图", "07"),
    "data quality": ("数据质量", "07"),
    "source system": ("源系统", "07"),
    "master data": ("主数据", "07"),
    "primary key": ("主键", "07"),
    "table join": ("表连接", "07"),
    "database view": ("数据库视图", "07"),
    "orphan record": ("孤儿记录", "07"),
    "data standardisation": ("数据标准化", "07"),
    "reference list": ("参照表", "07"),
    "completeness": ("完整性", "07"),
    "validity": ("有效性", "07"),
    "uniqueness": ("唯一性", "07"),
    "consistency": ("一致性", "07"),
    "timeliness": ("及时性", "07"),
    "data-quality scorecard": ("数据质量记分卡", "07"),
    "customer timeline": ("客户时间轴", "07"),
    "personal information": ("个人信息", "07"),
    "Personal Information Protection Law": ("个人信息保护法", "07"),
    "purpose limitation": ("目的限定", "07"),
    "data minimisation": ("数据最小化", "07"),
    "consent": ("同意", "07"),
    "data masking": ("数据脱敏", "07"),
    "pseudonymisation": ("假名化", "07"),
    "de-identification": ("去标识化", "07"),
    "anonymisation": ("匿名化", "07"),
    "quasi-identifier": ("准标识符", "07"),
    "k-anonymity": ("k-匿名", "07"),
    "equivalence class": ("等价类", "07"),
    "generalisation": ("泛化", "07"),
    "record linkage": ("记录链接", "07"),
    "blocking": ("分块", "07"),
    "reduction ratio": ("缩减率", "07"),
    "pair completeness": ("配对完整性", "07"),
    "comparison vector": ("比较向量", "07"),
    "Jaro-Winkler similarity": ("Jaro-Winkler相似度", "07"),
    "Fellegi-Sunter model": ("Fellegi-Sunter模型", "07"),
    "m-probability": ("m概率", "07"),
    "u-probability": ("u概率", "07"),
    "match weight": ("匹配权重", "07"),
    "match probability": ("匹配概率", "07"),
    "EM algorithm": ("期望最大化算法", "07"),
    "precision": ("精确率", "07"),
    "recall": ("召回率", "07"),
    "F1 score": ("F1分数", "07"),
    "precision-recall curve": ("精确率-召回率曲线", "07"),
    "transitive closure": ("传递闭包", "07"),
    "golden record": ("黄金记录", "07"),
    "survivorship rule": ("存活规则", "07"),
    # 08b the online shop case
    "user profile": ("用户画像", "08b"),
    "membership tier": ("会员等级", "08b"),
    "membership points": ("会员积分", "08b"),
    "hit rate": ("命中率", "08b"),
    "break-even retention lift": ("盈亏平衡保持率提升", "08b"),
    # 08c the key-account case
    "key account": ("大客户", "08c"),
    "key-account management": ("大客户管理", "08c"),
    "account plan": ("客户计划", "08c"),
    "account manager": ("客户经理", "08c"),
    "sales pipeline": ("销售管道", "08c"),
    "win rate": ("赢单率", "08c"),
    "confidence interval": ("置信区间", "08c"),
}

_LOWER = {k.casefold(): k for k in GLOSSARY}


def term(english: str) -> str:
    """``"customer lifetime value (客户终身价值)"``: the term with its Chinese beside it."""
    key = _LOWER.get(english.casefold())
    if key is None:
        raise ValueError(_("{english} is not in the glossary (crmlab/glossary.py)").format(
                             english=repr(english)))
    return f"{key} ({GLOSSARY[key][0]})"


def glossary(chapter: str | None = None):
    """The glossary as a DataFrame (English, 中文, chapter), optionally for one chapter.

    ``chapter`` is a notebook's number, e.g. ``"03"`` or ``"04a"``; a chapter in two notebooks
    (``"04"``: 04a and 04b) gives the terms of both.

    >>> glossary("04a")["english"].iloc[0], glossary("04")["chapter"].unique().tolist()
    ('customer satisfaction', ['04a', '04b'])
    """
    import pandas as pd

    rows = [{"english": k, "中文": zh, "chapter": ch} for k, (zh, ch) in GLOSSARY.items()
            if chapter is None or ch == chapter or ch.rstrip("ab") == chapter]
    if not rows:
        raise ValueError(_("no glossary terms for chapter {chapter}").format(
                             chapter=repr(chapter)))
    return pd.DataFrame(rows)
