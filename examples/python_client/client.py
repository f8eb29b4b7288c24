"""A Python client generated from proto/ (package `csp_upgrades_api`), walking
the API as a client team would and reading every google.rpc detail.

It checks, against a running server with the demo data:
- every eligibility reason of every subscription of every customer carries the
  typed details its code promises (Reason.details oneof) and a remedy;
- a refused SubmitUpgrade carries ErrorInfo (reason = the first reason's
  name, a value of ErrorReason), one PreconditionFailure violation per reason,
  and an UpgradeRefusal with every reason, typed, with its remedy;
- every other error it provokes carries an ErrorInfo whose reason is an
  ErrorReason value, with the details that value documents;
- StreamEligibility (the whole partner in one call) answers every
  subscription as CheckUpgradeEligibility does, and resumes after a cursor;
  SubmitUpgrades answers item by item.

Usage: client.py HOST:PORT TOKEN BILLING_TOKEN (run.sh starts the server).
"""

import sys
import uuid

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from csp_upgrades_api.csp.v1 import (
    customer_pb2,
    customer_pb2_grpc,
    error_reason_pb2,
    reason_pb2,
    upgrade_pb2,
    upgrade_pb2_grpc,
    common_pb2,
)

DOMAIN = "csp-upgrades.v1"
ReasonCode = reason_pb2.ReasonCode
ErrorReason = error_reason_pb2.ErrorReason

# The Reason.details case each code promises (None: no typed facts).
EXPECTED_DETAILS = {
    "SUBSCRIPTION_NOT_ACTIVE": {"status"},
    "SUBSCRIPTION_NOT_PROVISIONED": {None},
    "SERVICE_INCIDENT": {"service_incident"},
    "DELEGATED_ADMIN_MISSING": {"delegated_admin"},
    "LICENSE_CONFLICT": {"seats"},
    "UPGRADE_IN_PROGRESS": {"open_orders"},
    "CREDIT_CHECK_PENDING": {"open_orders"},
    "DUPLICATE_PLANS": {None},
    "PREPAID_SUBSCRIPTION": {"payment"},
    "RESTRICTED_SEGMENT": {"segment"},
    "UNPAID_BALANCE": {None},
    "TRIAL_SUBSCRIPTION": {None},
    "NO_UPGRADE_PATHS": {None},
    "TARGET_NOT_IN_MATRIX": {None},
    "MARKET_MISMATCH": {"market"},
    "TARGET_ALREADY_OWNED": {None},
    "CONFLICTING_SERVICES": {"service_conflict"},
    "MULTICHANNEL_CONFLICT": {"service_conflict", "channel"},
    "DATA_SERVICE_DOWNGRADE": {"data_services"},
    "SEAT_LIMIT_EXCEEDED": {"seats"},
    "BILLING_CYCLE_UNSUPPORTED": {"billing_cycle"},
    "TARGET_NOT_AVAILABLE": {"availability"},
    "ADD_ON_INCOMPATIBLE": {"add_ons"},
    "CUSTOM_DOMAIN_BLOCKS_SWITCH": {None},
}

checks = 0
failures = []


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        failures.append(what)


def spec_name(code):
    """REASON_CODE_MARKET_MISMATCH -> MARKET_MISMATCH."""
    return ReasonCode.Name(code).removeprefix("REASON_CODE_")


def check_reason(r, where):
    name = spec_name(r.code)
    case = r.WhichOneof("details")
    check(case in EXPECTED_DETAILS[name], f"{where}: {name} has details {case}")
    check(r.remedy != reason_pb2.REMEDY_UNSPECIFIED, f"{where}: {name} has no remedy")
    check(r.message != "", f"{where}: {name} has no message")
    # Read the facts, as a client would show them.
    if case == "seats":
        s = r.seats
        check(s.quantity or s.needed_seats, f"{where}: {name} seat figures")
    elif case == "data_services":
        for c in r.data_services.changes:
            check(c.from_level > c.to_level, f"{where}: {name} {c.service_id} lowers")
    elif case == "service_conflict":
        sc = r.service_conflict
        held = {s.subscription_id for s in r.subscriptions}
        for c in sc.conflicts:
            check(c.subscription_id in held, f"{where}: {name} names {c.subscription_id}")
    elif case == "open_orders":
        check(len(r.open_orders.order_ids) > 0, f"{where}: {name} names its orders")
    return name


def details(err):
    """ErrorInfo, PreconditionFailure, BadRequest, ResourceInfo and
    UpgradeRefusal of a failed call, each None when absent."""
    status = rpc_status.from_call(err)
    found = {}
    if status is None:
        return found
    for any_ in status.details:
        for kind in (
            error_details_pb2.ErrorInfo,
            error_details_pb2.PreconditionFailure,
            error_details_pb2.BadRequest,
            error_details_pb2.ResourceInfo,
            reason_pb2.UpgradeRefusal,
        ):
            if any_.Is(kind.DESCRIPTOR):
                msg = kind()
                any_.Unpack(msg)
                found[kind.DESCRIPTOR.name] = msg
    return found


def check_error(err, code, reason, what):
    """The error has `code` and an ErrorInfo naming `reason`, an ErrorReason."""
    check(err.code() == code, f"{what}: code {err.code()} != {code}")
    d = details(err)
    info = d.get("ErrorInfo")
    check(info is not None, f"{what}: no ErrorInfo")
    if info is None:
        return d
    check(info.domain == DOMAIN, f"{what}: domain {info.domain}")
    check(info.reason in ErrorReason.keys(), f"{what}: {info.reason} is not an ErrorReason")
    check(info.reason == reason, f"{what}: reason {info.reason} != {reason}")
    return d


def main():
    target, token, billing_token = sys.argv[1:4]
    channel = grpc.insecure_channel(target)
    auth = [("authorization", f"Bearer {token}")]
    customers = customer_pb2_grpc.CustomerServiceStub(channel)
    upgrades = upgrade_pb2_grpc.UpgradeServiceStub(channel)

    # 1. Every reason of every subscription carries its typed details.
    seen = set()
    answers = {}
    refusable = []
    eligible = None
    listed = customers.ListCustomers(
        customer_pb2.ListCustomersRequest(page_size=1000), metadata=auth
    ).customers
    for c in listed:
        subs = customers.ListSubscriptions(
            customer_pb2.ListSubscriptionsRequest(customer_id=c.customer_id, page_size=1000),
            metadata=auth,
        ).subscriptions
        for s in subs:
            answer = upgrades.CheckUpgradeEligibility(
                upgrade_pb2.CheckUpgradeEligibilityRequest(
                    customer_id=c.customer_id, subscription_id=s.subscription_id
                ),
                metadata=auth,
            )
            answers[(c.customer_id, s.subscription_id)] = answer
            for r in answer.source_reasons:
                seen.add(check_reason(r, f"{c.name}/{s.offer_id}"))
            for t in answer.targets:
                for r in t.reasons:
                    seen.add(check_reason(r, f"{c.name}/{s.offer_id}->{t.target_offer_id}"))
                if t.reasons:
                    refusable.append((c, s, t))
                elif eligible is None and s.payment_method != common_pb2.PAYMENT_METHOD_INVOICE:
                    eligible = (c, s, t)
    check(len(seen) >= 12, f"only {len(seen)} reason codes on the demo data: {sorted(seen)}")

    # 1b. The whole partner in one call: one message per subscription, each
    # the same answer (view FULL), in (customer, subscription) order.
    def stream(view, after_cursor=""):
        request = upgrade_pb2.StreamEligibilityRequest(view=view, after_cursor=after_cursor)
        return list(upgrades.StreamEligibility(request, metadata=auth))

    full = stream(upgrade_pb2.ELIGIBILITY_VIEW_FULL)
    streamed = {(m.eligibility.customer_id, m.eligibility.subscription_id): m.eligibility for m in full}
    check(streamed == answers, f"the stream ({len(streamed)}) equals one check per subscription ({len(answers)})")
    basic = stream(upgrade_pb2.ELIGIBILITY_VIEW_BASIC)
    check([m.cursor for m in basic] == [m.cursor for m in full], "BASIC and FULL stream the same subscriptions")
    check(all(r.message == "" for m in basic for t in m.eligibility.targets for r in t.reasons), "BASIC has no texts")
    cut = len(basic) // 2
    rest = stream(upgrade_pb2.ELIGIBILITY_VIEW_BASIC, basic[cut].cursor)
    check(rest == basic[cut + 1 :], "a stream resumed after a cursor neither skips nor repeats")

    # 2. A refused submission carries every reason with its remedy. One per
    # first reason code, so every kind of refusal is read once.
    by_first = {}
    for c, s, t in refusable:
        by_first.setdefault(t.reasons[0].code, (c, s, t))
    for c, s, t in by_first.values():
        what = f"SubmitUpgrade {c.name}/{s.offer_id}->{t.target_offer_id}"
        try:
            upgrades.SubmitUpgrade(
                upgrade_pb2.SubmitUpgradeRequest(
                    request_id=str(uuid.uuid4()),
                    customer_id=c.customer_id,
                    subscription_id=s.subscription_id,
                    target_offer_id=t.target_offer_id,
                    quantity=max(t.min_quantity, s.quantity, 1),
                    upgrade_type=common_pb2.UPGRADE_TYPE_UPGRADE_ONLY,
                ),
                metadata=auth,
            )
            check(False, f"{what}: accepted, expected a refusal")
            continue
        except grpc.RpcError as err:
            first = spec_name(t.reasons[0].code)
            d = check_error(err, grpc.StatusCode.FAILED_PRECONDITION, first, what)
        pf = d.get("PreconditionFailure")
        check(
            pf is not None and [v.type for v in pf.violations] == [spec_name(r.code) for r in t.reasons],
            f"{what}: one violation per reason",
        )
        refusal = d.get("UpgradeRefusal")
        check(refusal is not None and list(refusal.reasons) == list(t.reasons), f"{what}: UpgradeRefusal")
        if refusal is not None:
            for r in refusal.reasons:
                check(r.remedy != reason_pb2.REMEDY_UNSPECIFIED, f"{what}: remedy of {spec_name(r.code)}")
        check("reasons" not in d["ErrorInfo"].metadata, f"{what}: a comma-joined list")

    # 3. The other errors, each with its ErrorReason and documented details.
    def fails(call, request, who=auth):
        try:
            call(request, metadata=who)
        except grpc.RpcError as err:
            return err
        raise AssertionError(f"{request} succeeded")

    err = fails(customers.GetCustomer, customer_pb2.GetCustomerRequest(customer_id="nope"))
    d = check_error(err, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD", "bad id")
    check("BadRequest" in d and d["BadRequest"].field_violations[0].field == "customer_id", "bad id: BadRequest")

    err = fails(customers.GetCustomer, customer_pb2.GetCustomerRequest(customer_id=str(uuid.uuid4())))
    d = check_error(err, grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND", "unknown customer")
    check("ResourceInfo" in d, "unknown customer: ResourceInfo")

    err = fails(customers.ListCustomers, customer_pb2.ListCustomersRequest(), who=[])
    check_error(err, grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED", "no token")

    billing = [("authorization", f"Bearer {billing_token}")]
    err = fails(customers.ListCustomers, customer_pb2.ListCustomersRequest(), who=billing)
    d = check_error(err, grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_MISSING", "billing lists customers")
    permission = d["ErrorInfo"].metadata.get("permission")
    check(permission in common_pb2.Permission.keys(), f"permission {permission} is a Permission value")

    # SubmitUpgrades answers each item alone: an invalid item is its own
    # google.rpc.Status, with the details SubmitUpgrade would have sent.
    batch = upgrades.SubmitUpgrades(
        upgrade_pb2.SubmitUpgradesRequest(
            requests=[upgrade_pb2.SubmitUpgradeRequest(request_id=str(uuid.uuid4()), customer_id="nope")]
        ),
        metadata=auth,
    )
    check(len(batch.results) == 1 and batch.results[0].WhichOneof("result") == "error", "SubmitUpgrades: an error item")
    if batch.results and batch.results[0].WhichOneof("result") == "error":
        item = batch.results[0].error
        check(item.code == grpc.StatusCode.INVALID_ARGUMENT.value[0], f"SubmitUpgrades item code {item.code}")
        infos = [d for d in item.details if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR)]
        check(len(infos) == 1, "SubmitUpgrades item: an ErrorInfo")

    # Quantities, the idempotency key, and the submitter, on an eligible target.
    check(eligible is not None, "the demo data has an eligible target")
    if eligible is not None:
        c, s, t = eligible

        def submit(quantity, request_id=None):
            return upgrade_pb2.SubmitUpgradeRequest(
                request_id=request_id or str(uuid.uuid4()),
                customer_id=c.customer_id,
                subscription_id=s.subscription_id,
                target_offer_id=t.target_offer_id,
                quantity=quantity,
                upgrade_type=common_pb2.UPGRADE_TYPE_UPGRADE_ONLY,
            )

        if t.min_quantity > 1:
            err = fails(upgrades.SubmitUpgrade, submit(t.min_quantity - 1))
            d = check_error(err, grpc.StatusCode.FAILED_PRECONDITION, "QUANTITY_BELOW_MINIMUM", "too few")
            check(d["ErrorInfo"].metadata.get("min_quantity") == str(t.min_quantity), "too few: min_quantity")
        err = fails(upgrades.SubmitUpgrade, submit(t.max_quantity + 1))
        d = check_error(err, grpc.StatusCode.INVALID_ARGUMENT, "QUANTITY_ABOVE_MAXIMUM", "too many")
        check(d["ErrorInfo"].metadata.get("max_quantity") == str(t.max_quantity), "too many: max_quantity")

        key = str(uuid.uuid4())
        order = upgrades.SubmitUpgrade(submit(t.min_quantity, key), metadata=auth)
        check(order.submitter.user_id != "" and order.submitter.app_id == "", "the submitter is a user")
        check(order.create_time.seconds > 0, "create_time is set")
        err = fails(upgrades.SubmitUpgrade, submit(t.min_quantity + 1, key))
        check_error(err, grpc.StatusCode.ALREADY_EXISTS, "REQUEST_ID_REUSED", "reused key")

    print(f"python client: {checks} checks, {len(failures)} failures; reason codes seen: {len(seen)}")
    for f in failures:
        print(f"  FAILED: {f}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
