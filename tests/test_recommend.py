"""crmlab.recommend: the category co-occurrence recommender."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab.recommend import CategoryRecommender, holdout_hit_rate

d = pd.to_datetime


# ---------------------------------------------------------------- recommender
def test_recommender_by_hand():
    orders = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3, 3, 4, 5],
                           "category": ["tea", "cups", "tea", "cups", "tv", "cable", "tea", "tv"]})
    rec = CategoryRecommender().fit(orders)
    assert rec.cooccurrence_.loc["tea", "cups"] == 2
    assert rec.support_["tea"] == pytest.approx(3 / 5)
    assert rec.confidence_.loc["tea", "cups"] == pytest.approx(2 / 3)
    assert rec.lift_.loc["tea", "cups"] == pytest.approx(2 * 5 / (3 * 2))
    r = rec.recommend([4, 5, "new"], k=1).set_index("customer_id")["category"]
    assert r[4] == "cups" and r[5] == "cable"
    assert r["new"] == "tea"  # an unknown customer gets the most popular category
    assert "tea" not in rec.recommend([1], k=3)["category"].tolist()


def test_recommender_beats_popularity_with_planted_affinity():
    rng = np.random.default_rng(3)
    pairs = [("tea", "cups"), ("tv", "cable"), ("tent", "boots"), ("pen", "paper")]
    rows = []
    for c in range(600):
        a, b = pairs[rng.integers(0, 4)] if c % 3 else pairs[0]  # tea/cups most popular
        first, second = (a, b) if rng.random() < 0.5 else (b, a)
        rows += [(c, first, "2024-01-15"), (c, second, "2024-06-15")]
        if rng.random() < 0.4:  # some noise: a random later purchase
            rows.append((c, [x for p in pairs for x in p][rng.integers(0, 8)], "2024-07-01"))
    orders = pd.DataFrame(rows, columns=["customer_id", "category", "order_date"])
    orders["order_date"] = d(orders["order_date"])
    # the pairs must also be seen together before the cutoff
    early = orders.assign(customer_id=orders["customer_id"] + 10_000,
                          order_date=d("2024-02-01"))
    hr = holdout_hit_rate(pd.concat([orders, early]), "2024-03-01", k=1)["hit_rate"]
    assert hr["co-occurrence"] > 0.9
    assert hr["co-occurrence"] > hr["popularity"] + 0.3
    assert hr["co-occurrence"] > hr["random"] + 0.5


def test_retail_categories_carry_little_signal():
    """The generator draws categories without affinity: co-occurrence ~ chance."""
    data = crmlab.load("retail")
    hr = holdout_hit_rate(data.orders, "2024-01-01", k=2)["hit_rate"]
    assert abs(hr["co-occurrence"] - hr["random"]) < 0.05
    rec = CategoryRecommender().fit(data.orders)
    off = rec.lift_.to_numpy()[~np.eye(len(rec.lift_), dtype=bool)]
    assert off.min() > 0.9 and off.max() < 1.4
