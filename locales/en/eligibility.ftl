### Why a target cannot be reached by "Upgrade now" (SPEC §4): one message
### per rule. Offer and service names are Microsoft's product names and are
### never translated.

## About the source subscription: they block every target.

reason-subscription-not-active = The { $offer } subscription is { $status }; only an active subscription can be upgraded.
reason-subscription-not-provisioned = The { $offer } subscription is not fully set up yet; wait a few hours and try again.
reason-service-incident = The { $offer } subscription has a health incident in { $services } at this customer; wait until every service is healthy.
reason-delegated-admin-missing = No upgrade is possible because { $why }; request or renew it.
delegated-admin-none = this partner has no delegated admin relationship with the customer
delegated-admin-expired = the delegated admin relationship with the customer has expired
delegated-admin-no-role = the delegated admin relationship with the customer grants no role
reason-license-conflict = { $assigned } licenses of { $offer } are assigned but only { $quantity } were bought; resolve the license conflict first.
reason-upgrade-in-progress = { $count ->
    [one] Order { $orders } of this customer is being processed; wait until it has finished.
   *[other] Orders { $orders } of this customer are being processed; wait until they have finished.
}
reason-credit-check-pending = { $count ->
    [one] Order { $orders } of this customer waits for a credit check (up to two working days); wait until it has finished.
   *[other] Orders { $orders } of this customer wait for a credit check (up to two working days); wait until they have finished.
}
reason-duplicate-plans = The customer has { $count } active { $offer } subscriptions (through { $channels }); consolidate them into one before upgrading.
reason-prepaid-subscription = The { $offer } subscription is prepaid or paid by product key; it can only be changed manually.
reason-restricted-segment = { $offer } is an offer for { $segment } customers; it can only be changed manually.
reason-unpaid-balance = The customer has an unpaid balance; pay it, then check again.
reason-trial-subscription = The { $offer } subscription is a trial; buy the paid plan first, then upgrade.
reason-no-upgrade-paths = { $offer } has no upgrade path; the plan can only be changed manually.
reason-bought-elsewhere = The { $offer } subscription was bought through { $channel }; only that channel can upgrade it.

## About one target.

reason-target-not-in-matrix = { $target } is not an upgrade path of { $source }; the plan can only be changed manually.
reason-market-not-sold-here = { $offer } is sold only to customers in { $market }, and this customer is in { $country }.
reason-market-crossed = { $source } belongs to the { $source_market } market and can only move to an offer of the same market, but { $target } belongs to the { $target_market } market.
reason-target-already-owned = The customer already has { $target } through this partner; move the users to that subscription instead.
reason-conflicting-services = The customer already has { $services } through this partner ({ $offers }), which { $target } would add again.
reason-multichannel-conflict = The customer already holds { $what } through { $channels }; the customer must cancel { $count ->
    [one] it
   *[other] them
} there before buying { $target } here.
reason-data-service-downgrade = { $target } lacks or lowers data services of { $source }: { $losses }; users would lose data.
data-loss = { $service } ({ $from } -> { $to })
reason-seat-limit-exceeded = { $needed } seats are needed, but { $limits }.
seat-limit-target = { $target } allows at most { $max } seats
seat-limit-path = the automatic switch is limited to { $max } users
reason-billing-cycle-unsupported = { $target } is not sold with { $cycle } billing, the cycle of the current subscription.
reason-target-not-available = { $target } { $why }.
not-available-trial-only = is a trial-only offer
not-available-end-of-sale = is no longer for sale
not-available-segment = is not sold to { $segment } customers
reason-add-on-incompatible = The { $count ->
    [one] add-on
   *[other] add-ons
} { $add_ons } of this subscription { $count ->
    [one] is
   *[other] are
} not part of { $target } and cannot be attached to it; remove { $count ->
    [one] it
   *[other] them
} first.
reason-custom-domain-blocks-switch = The customer has a custom domain, which blocks the automatic switch from { $source } to { $target }.
