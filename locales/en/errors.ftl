### Errors (SPEC §7): the google.rpc.LocalizedMessage of a failed call. The
### grpc-message of the status stays in English, for logs.

error-invalid-argument = The field { $field } has an invalid value; the error details say what is wrong.
error-malformed = The request is not a valid message for this call; the error details say what is wrong.
error-shutting-down = This server is shutting down; call again and another server answers.
error-shutting-down-resume = This server is shutting down; call again with the cursor “{ $cursor }” to continue after the last answer received, and another server answers.
error-id-required = The field { $field } is required.
error-id-not-uuid = The field { $field } must be a UUID.
error-offer-id-invalid = The field { $field } must be an offer id.
error-unknown-offer = { $offer } is not an offer of the catalog.
error-quantity-too-small = The quantity must be at least 1.
error-quantity-too-large = The quantity may be at most { $max } seats.
error-unauthenticated = The request has no valid credential; sign in again.
error-permission-denied = Your roles do not allow this: { $permission }.
error-not-found = The { $kind } { $id } does not exist.
error-failed-precondition = The current state does not allow this; the error details give the reasons.
error-already-exists = This already exists.
error-unavailable = The service cannot reach its database right now; try again in a moment.
error-internal = Something went wrong on our side; it has been logged.
error-deadline-exceeded = The request took longer than the server allows; try again.

## What a resource is, as in "the ... does not exist".

resource-customer = customer
resource-subscription = subscription
resource-order = order
resource-offer = offer
resource-partner-user = partner user
resource-user = user
resource-partner = partner
resource-record = record

## Permissions, as in "your roles do not allow ...".

permission-view-catalog-and-customers = viewing customers, subscriptions, offers and eligibility
permission-submit-upgrade-orders = submitting upgrade orders
permission-view-upgrade-orders = viewing upgrade orders
permission-resolve-credit-checks = approving or rejecting credit checks
permission-manage-roles = granting and revoking partner roles
permission-manage-global-admins = granting and revoking the global admin role
permission-view-audit-log = reading the audit log
permission-sync-partner-data = syncing the partner's data from its export

## Upgrade orders refused.

refusal-ineligible = The upgrade is not possible now. { $reasons }
refusal-unknown-target-offer = The target offer is not in the catalog.
refusal-quantity-below-minimum = The quantity must be between { $min } and { $max }: licenses cannot be removed as part of an upgrade.
refusal-quantity-above-maximum = The quantity must be between { $min } and { $max }: the target offer allows at most { $max } seats.
refusal-billing-cycle-unsupported = The target offer is not sold with { $cycle } billing.
refusal-upgrade-type-not-granted = You asked for { $asked }, which the delegated admin relationship with the customer does not grant.
refusal-upgrade-type-needs-user = You asked for { $asked }, which needs a signed-in user: apps may only upgrade without moving licenses.
refusal-not-pending-credit-check = The order is { $state }, not waiting for a credit check.
refusal-last-global-admin = { $user } is the partner's last global admin; grant the global admin role to another user first.
refusal-request-id-reused = This request id was already used for a different request; send a new request id.

## Partial upgrades and upgrades into an existing subscription (SPEC §8).
refusal-receiver-not-active = Subscription { $subscription } cannot receive the seats: it is not active.
refusal-receiver-offer-mismatch = Subscription { $subscription } cannot receive the seats: it is not a subscription of the target offer.
refusal-receiver-other-channel = Subscription { $subscription } cannot receive the seats: it was not bought through you.
refusal-receiver-cycle-mismatch = Subscription { $subscription } cannot receive the seats: its billing cycle is not one the source subscription can move to.
refusal-users-exceed-quantity = You named { $named } users, but only { $quantity } seats move; name at most as many users as seats.
refusal-users-not-on-source = { $count ->
    [one] This user holds
   *[other] These { $count } users hold
} no license of the source subscription: { $users }.
refusal-source-seats-short = The source subscription would keep { $seats } seats for the { $users } users who stay on it; move fewer seats or more users.
refusal-upgrade-already-scheduled = An upgrade of this subscription is already scheduled for its renewal (order { $order }); cancel it first.
refusal-renewal-not-ahead = The subscription's billing period ended at { $end }; there is no renewal to wait for, upgrade now instead.
refusal-order-not-cancellable = The order is { $state }; only an order scheduled for the renewal can be cancelled.
error-user-ids-not-partial = Only a partial upgrade with license transfer names the users who move.
error-user-ids-too-many = Name at most { $max } users.
error-user-ids-repeated = The field user_ids names a user more than once.
