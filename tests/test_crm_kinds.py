"""crmlab.crm_kinds: the kinds of CRM and who starts the contact."""

from __future__ import annotations

from crmlab.crm_kinds import interaction_initiative


def test_interaction_initiative_on_data():
    import crmlab

    d = crmlab.load("retail")
    t = interaction_initiative(d.interactions)
    assert t[["inbound", "outbound"]].to_numpy().sum() == len(d.interactions)
    assert t["inbound_share"].between(0, 1).all()
    by_channel = interaction_initiative(d.interactions, by="channel")
    assert set(by_channel.index) == set(d.interactions["channel"])
