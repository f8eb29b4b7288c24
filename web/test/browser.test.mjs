// Headless Chromium drives web/index.html, served from its own origin, which
// calls a real csp-upgrades (demo data, CORS allowing that origin) through
// gRPC-web. Run by scripts/browser-test.sh, which installs and builds what
// this needs; CSP_UPGRADES_BIN names the server binary, CHROMIUM the browser.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = process.env.CSP_UPGRADES_BIN ?? resolve(WEB, "../target/debug/csp-upgrades");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const STEP_MS = 30_000;

const NORTHWIND = "30000000-0000-4000-8000-000000000001";
const NORTHWIND_BASIC = "40000000-0000-4000-8000-000000000101";
// Alpine Ski House: Business Basic whose targets meet MULTICHANNEL_CONFLICT.
const ALPINE = "30000000-0000-4000-8000-000000000005";
const BASIC_TARGETS = ["m365-business-standard", "o365-e1", "o365-e3", "o365-e5"];

/** Serves index.html and the bundle on 127.0.0.1 (a port of its own). */
async function servePage() {
  const files = {
    "/": ["index.html", "text/html; charset=utf-8"],
    "/dist/app.js": ["dist/app.js", "text/javascript; charset=utf-8"],
  };
  const server = createServer((req, res) => {
    const file = files[new URL(req.url, "http://x").pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": file[1] }).end(readFileSync(join(WEB, file[0])));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** csp-upgrades on a free port; resolves once the demo data is loaded. */
async function startServer(env, corsOrigin) {
  const child = spawn(
    BIN,
    ["--listen=127.0.0.1:0", "--log-format=json", "--demo-data=true", `--cors-allowed-origins=${corsOrigin}`],
    { env, stdio: ["ignore", "ignore", "pipe"] },
  );
  const logs = [];
  let listen;
  const ready = new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`not ready in ${STEP_MS} ms:\n${logs.join("\n")}`)), STEP_MS);
    child.on("exit", (code) => fail(new Error(`csp-upgrades exited (${code}):\n${logs.join("\n")}`)));
    createInterface({ input: child.stderr }).on("line", (line) => {
      logs.push(line);
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      listen ??= entry.listen;
      if (entry.message === "database ready" && listen) {
        clearTimeout(timer);
        ok();
      }
    });
  });
  await ready;
  return { child, url: `http://${listen}`, logs };
}

let page, server, browser, token, dataDir;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "csp-browser-"));
  const env = { PATH: process.env.PATH, CSP_DATA_DIR: dataDir, RUST_LOG: "info" };
  page = await servePage();
  server = await startServer(env, page.origin);
  token = execFileSync(BIN, ["token", "--user", "ga@contoso-csp.example"], { env }).toString().trim();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Without the background-networking flags Chromium keeps trying hosts
    // this machine cannot reach.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.child.kill("SIGTERM");
  page?.server.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Opens the page at `origin`, fills the form, presses Load, waits for the end. */
async function load(origin, bearer, { customer = NORTHWIND, locale } = {}) {
  const tab = await browser.newPage(locale ? { locale } : {});
  await tab.goto(`${origin}/`);
  await tab.fill("#server", server.url);
  await tab.fill("#token", bearer);
  await tab.fill("#customer", customer);
  await tab.click("#load");
  await tab.waitForSelector('#status:is([data-state="done"], [data-state="error"])', { timeout: STEP_MS });
  return tab;
}

const cells = (tab, selector) =>
  tab.$$eval(selector, (rows) => rows.map((tr) => [...tr.cells].map((td) => td.textContent.trim())));

test("the page shows the demo customer's subscriptions and an eligibility answer", async () => {
  const tab = await load(page.origin, token);
  const status = await tab.textContent("#status");
  assert.equal(await tab.getAttribute("#status", "data-state"), "done", status);

  const subscriptions = await cells(tab, "#subscriptions tbody tr");
  const basic = subscriptions.find((row) => row[0] === NORTHWIND_BASIC);
  assert.ok(basic, `no ${NORTHWIND_BASIC} in ${JSON.stringify(subscriptions)}`);
  assert.match(basic[1], /\(m365-business-basic\)/);
  assert.equal(basic[2], "ACTIVE");
  assert.equal(basic[4], "yes", "Upgrade now");

  assert.match(await tab.textContent("#checked"), new RegExp(NORTHWIND_BASIC));
  const targets = await cells(tab, "#eligibility tbody tr");
  assert.deepEqual(
    targets.map((row) => row[0].match(/\(([^)]+)\)$/)[1]).sort(),
    BASIC_TARGETS,
  );
  for (const row of targets) assert.deepEqual(row.slice(1), ["yes", "none", ""], row.join(" | "));

  const ids = await tab.textContent("#ids");
  const [, sent, echoed] = ids.match(/sent (\S+), echoed (\S+)/);
  assert.equal(echoed, sent, "x-request-id readable by the page (CORS exposes it)");

  if (process.env.BROWSER_TEST_SCREENSHOT) {
    await tab.screenshot({ path: process.env.BROWSER_TEST_SCREENSHOT, fullPage: true });
  }
  await tab.close();
});

test("a Dutch browser gets the reasons in Dutch (SPEC §12)", async () => {
  const english = await load(page.origin, token, { customer: ALPINE, locale: "en-US" });
  const dutch = await load(page.origin, token, { customer: ALPINE, locale: "nl-NL" });
  const [en, nl] = [await cells(english, "#eligibility tbody tr"), await cells(dutch, "#eligibility tbody tr")];
  assert.deepEqual(
    nl.map((row) => row.slice(0, 3)),
    en.map((row) => row.slice(0, 3)),
    "the same targets and codes",
  );
  const standard = nl.find((row) => row[0].includes("(m365-business-standard)"));
  assert.match(standard[2], /MULTICHANNEL_CONFLICT/);
  assert.match(standard[3], /^De klant heeft .* rechtstreeks bij Microsoft/, standard[3]);
  assert.match(en.find((row) => row[0].includes("(m365-business-standard)"))[3], /^The customer already holds/);
  await english.close();
  await dutch.close();
});

test("a refused call shows its gRPC status in the page", async () => {
  const tab = await load(page.origin, "not-a-token");
  assert.equal(await tab.getAttribute("#status", "data-state"), "error");
  assert.match(await tab.textContent("#status"), /UNAUTHENTICATED/);
  assert.equal(await tab.isHidden("#subscriptions"), true);
  await tab.close();
});

test("a page from an origin not allowed cannot call", async () => {
  const other = await servePage();
  try {
    const tab = await load(other.origin, token);
    assert.equal(await tab.getAttribute("#status", "data-state"), "error");
    // The browser withholds the answer: no gRPC status reaches the page.
    assert.match(await tab.textContent("#status"), /Failed to fetch/);
    assert.equal(await tab.isHidden("#subscriptions"), true);
    await tab.close();
  } finally {
    other.server.close();
  }
});
