"""A broker's marketplace role and the agreements that follow from it."""

from __future__ import annotations

from enum import StrEnum


class MarketplaceRole(StrEnum):
    individual = "individual"
    shop = "shop"
    both = "both"
    # What a broker picks to continue to training while their NPN validation is stuck.
    not_agent_broker = "not_agent_broker"


AGENT_BROKER_ROLES = frozenset(
    {MarketplaceRole.individual, MarketplaceRole.shop, MarketplaceRole.both}
)

ROLE_LABELS = {
    MarketplaceRole.individual: "Individual Marketplace",
    MarketplaceRole.shop: "SHOP (Small Business Health Options Program)",
    MarketplaceRole.both: "both Individual and SHOP",
    MarketplaceRole.not_agent_broker: "Not an Agent Broker",
}

# Registration: the agreements a broker accepts follow their role.
AGREEMENTS_FOR_ROLE = {
    MarketplaceRole.individual: frozenset({"individual"}),
    MarketplaceRole.shop: frozenset({"shop"}),
    MarketplaceRole.both: frozenset({"individual", "shop"}),
}
