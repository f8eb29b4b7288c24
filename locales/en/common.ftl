### Pieces of sentences the other catalogs share. Every message here has a
### twin with the same id and placeables in locales/nl/common.ftl.

## Lists: "a and b"; "a, b and c" is list-more of "a" and "b and c".

list-pair = { $first } and { $last }
list-more = { $first }, { $rest }

# A text stored before the service spoke several languages, shown as it is.
plain-text = { $text }

## Where a subscription was bought, as in "bought through ...".

channel-this-partner = this partner
channel-other-partner = another CSP partner
channel-direct = Microsoft directly
channel-enterprise-agreement = an Enterprise Agreement
channel-open = Open / volume licensing

## A subscription's status, as in "the subscription is ...".

status-active = active
status-suspended = suspended
status-deleted = deleted
status-expired = expired
status-disabled = disabled
status-pending = pending

## Customer segments, as in "sold to ... customers".

segment-commercial = commercial
segment-education = education
segment-government = government
segment-nonprofit = nonprofit

## Billing cycles, as in "sold with ... billing".

cycle-monthly = monthly
cycle-annual = annual

## Upgrade types.

upgrade-type-with-license-transfer = an upgrade with license transfer
upgrade-type-upgrade-only = an upgrade without license transfer

## Order states, as in "the order is ...".

order-state-pending-credit-check = waiting for a credit check
order-state-in-progress = in progress
order-state-completed = completed
order-state-failed = failed
order-state-rejected = rejected
order-state-scheduled = scheduled for the renewal
order-state-cancelled = cancelled

## Markets, as in "belongs to the ... market", and service levels.

market-global = global
market-country = { $country }
level-none = none

## What the partner can do about a reason (the Remedy of a reason).

remedy-wait = Wait until the situation has cleared, then check again.
remedy-resolve-license-conflict = Resolve the license conflict: assign no more licenses than were bought, or buy more.
remedy-pay-balance = Have the customer pay the open balance, then check again.
remedy-cancel-in-other-channel = Have the customer cancel the subscription where it was bought, then buy the new plan here.
remedy-change-plan-manually = Change the plan manually: buy the new subscription, move the users, then cancel the old one.
remedy-contact-support = Contact Microsoft support.
remedy-request-delegated-admin = Request or renew the delegated admin relationship with the customer, with the roles this upgrade needs.
remedy-buy-paid-plan-first = Buy the paid version of the trial first, then upgrade that subscription.
remedy-reactivate-subscription = Reactivate the subscription first.
remedy-choose-another-target = Choose another offer to upgrade to.
remedy-consolidate-plans = Move all users onto one subscription of this plan and cancel the others first.
remedy-remove-add-on = Remove the add-on from the subscription first.
