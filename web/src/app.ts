// The page's script: two calls through gRPC-web with a bearer token, results
// rendered as tables. Bundled by esbuild into dist/app.js (npm run bundle).
import { GrpcWebFetchTransport } from "@protobuf-ts/grpcweb-transport";
import { RpcError } from "@protobuf-ts/runtime-rpc";

import { SubscriptionStatus } from "../gen/csp/v1/common";
import { CustomerServiceClient } from "../gen/csp/v1/customer.client";
import { ListSubscriptionsRequest, type Subscription } from "../gen/csp/v1/customer";
import { ReasonCode } from "../gen/csp/v1/reason";
import { CheckUpgradeEligibilityRequest, type CheckUpgradeEligibilityResponse } from "../gen/csp/v1/upgrade";
import { UpgradeServiceClient } from "../gen/csp/v1/upgrade.client";

const $ = <T extends HTMLElement>(selector: string) => document.querySelector(selector) as T;

function setStatus(state: "loading" | "done" | "error", text: string) {
  const status = $("#status");
  status.dataset.state = state;
  status.textContent = text;
}

function row(cells: (string | Node)[]): HTMLTableRowElement {
  const tr = document.createElement("tr");
  for (const cell of cells) {
    const td = document.createElement("td");
    td.append(cell);
    tr.append(td);
  }
  return tr;
}

function yesNo(value: boolean): HTMLSpanElement {
  const span = document.createElement("span");
  span.className = value ? "yes" : "no";
  span.textContent = value ? "yes" : "no";
  return span;
}

function showSubscriptions(subscriptions: Subscription[]) {
  const body = $("#subscriptions tbody");
  body.replaceChildren(
    ...subscriptions.map((s) => {
      const tr = row([
        s.subscriptionId,
        `${s.offerName} (${s.offerId})`,
        SubscriptionStatus[s.status],
        `${s.assignedSeats} / ${s.quantity}`,
        yesNo(s.upgradeAvailable),
      ]);
      tr.dataset.subscription = s.subscriptionId;
      return tr;
    }),
  );
  $("#subscriptions").hidden = false;
}

function showEligibility(answer: CheckUpgradeEligibilityResponse) {
  $("#checked").textContent = `${answer.subscriptionId} (${answer.sourceOfferId})`;
  const body = $("#eligibility tbody");
  body.replaceChildren(
    ...answer.targets.map((t) => {
      const reasons = t.reasons.map((r) => ReasonCode[r.code]).join(", ") || "none";
      // The sentences come in the language the page asked for.
      const why = t.reasons.map((r) => r.message).join(" ");
      const tr = row([`${t.targetOfferName} (${t.targetOfferId})`, yesNo(t.eligible), reasons, why]);
      tr.dataset.target = t.targetOfferId;
      return tr;
    }),
  );
  $("#eligibility").hidden = false;
}

/** The browser's languages as an accept-language value, most preferred first
 * ("nl-NL,nl;q=0.9,en;q=0.8"): the server answers in the first it speaks. */
function acceptLanguage(): string {
  const languages = navigator.languages.length > 0 ? navigator.languages : [navigator.language];
  return languages
    .slice(0, 10)
    .map((tag, i) => (i === 0 ? tag : `${tag};q=${(1 - i / 10).toFixed(1)}`))
    .join(",");
}

async function load(server: string, token: string, customerId: string) {
  const transport = new GrpcWebFetchTransport({ baseUrl: server.replace(/\/+$/, "") });
  const requestId = crypto.randomUUID();
  const meta = {
    authorization: `Bearer ${token}`,
    "x-request-id": requestId,
    "accept-language": acceptLanguage(),
  };

  const customers = new CustomerServiceClient(transport);
  // create() fills every field the page leaves out (filters, fields added later).
  const listed = await customers.listSubscriptions(ListSubscriptionsRequest.create({ customerId, pageSize: 100 }), { meta });
  showSubscriptions(listed.response.subscriptions);
  // The server echoes the id; reading it proves CORS exposes the header.
  $("#ids").textContent = `x-request-id sent ${requestId}, echoed ${String(listed.headers["x-request-id"] ?? "nothing")}`;

  // The first base subscription (not an add-on), as the "Upgrade now" button would.
  const base = listed.response.subscriptions.find((s) => !s.parentSubscriptionId);
  if (base) {
    const upgrades = new UpgradeServiceClient(transport);
    const checked = await upgrades.checkUpgradeEligibility(
      CheckUpgradeEligibilityRequest.create({ customerId, subscriptionId: base.subscriptionId }),
      { meta },
    );
    showEligibility(checked.response);
  }
}

const params = new URLSearchParams(location.search);
for (const field of ["server", "token", "customer"]) {
  const value = params.get(field);
  if (value) $<HTMLInputElement>(`#${field}`).value = value;
}

$("#query").addEventListener("submit", (event) => {
  event.preventDefault();
  const value = (id: string) => $<HTMLInputElement>(`#${id}`).value.trim();
  setStatus("loading", "Loading…");
  load(value("server"), value("token"), value("customer")).then(
    () => setStatus("done", "Loaded."),
    (e: unknown) => {
      const text = e instanceof RpcError ? `${e.code}: ${e.message}` : String(e);
      setStatus("error", `Failed: ${text}`);
    },
  );
});
