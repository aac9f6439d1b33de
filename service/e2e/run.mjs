// The upload flow end to end, in headless Chromium: the demo page, loaded from an origin other
// than the service's, signs in, uploads a generated MP4 with Tencent's web SDK (getSignature
// posting to the service), and shows the upload finished with its review verdict once VOD's
// events reached the service. VOD is the stand-in of vod-stand-in.mjs, reached through
// --host-resolver-rules. Runs three times: events by callback, events pulled, and the service
// signing with the wrong SecretKey (the page must show VOD's signature error).
//
//   node run.mjs [SERVICE_BINARY]      (default: ../../target/debug/vod-upload-service)
//
// CHROMIUM names the browser (default /usr/bin/chromium). Screenshots go to out/.
// VOD_E2E_VERBOSE=1 logs every request the stand-in serves.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";
import { startStandIn } from "./vod-stand-in.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const serviceBinary = path.resolve(process.argv[2] ?? path.join(here, "../../target/debug/vod-upload-service"));
const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";
const sdkFile = path.join(here, "node_modules/vod-js-sdk-v6/dist/vod-js-sdk-v6.js");
const out = path.join(here, "out");

const SECRET_ID = "AKIDe2eStandInSecretId0000000000000";
const SECRET_KEY = "e2eStandInSecretKey00000000000000";
const SIGN_KEY = "e2eCallbackSignKey";
const TOKENS = { alice: "e2e-token-alice", bob: "e2e-token-bob" };
const VERDICT = "review";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line) => console.log(`[e2e] ${line}`);

/** A small MP4: an ftyp box, then an mdat of random bytes (the stand-in does not decode it). */
function sampleMp4(dir) {
  const box = (type, payload) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(8 + payload.length);
    head.write(type, 4, "ascii");
    return Buffer.concat([head, payload]);
  };
  const ftyp = box("ftyp", Buffer.concat([Buffer.from("isom"), Buffer.from([0, 0, 2, 0]), Buffer.from("isomiso2avc1mp41")]));
  const file = path.join(dir, "e2e-sample.mp4");
  fs.writeFileSync(file, Buffer.concat([ftyp, box("mdat", crypto.randomBytes(200 * 1024))]));
  return file;
}

async function freePort() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The service binary, started with `env`, once `/healthz` answers. */
async function startService(env, logFile) {
  const port = await freePort();
  const child = spawn(serviceBinary, ["--listen", `127.0.0.1:${port}`], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "ignore", fs.openSync(logFile, "w")],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode}): ${fs.readFileSync(logFile, "utf8")}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) return { url, child };
    await sleep(100);
  }
  throw new Error("the service did not start");
}

/**
 * The page's own origin: `/` is the service's demo page with the service's address as its
 * `service`, `/vod-js-sdk-v6.js` the npm-installed SDK.
 */
async function startStaticOrigin(serviceUrl, port) {
  const server = http.createServer(async (request, response) => {
    if (request.url === "/vod-js-sdk-v6.js") {
      response.writeHead(200, { "Content-Type": "text/javascript", "Access-Control-Allow-Origin": "*" });
      return fs.createReadStream(sdkFile).pipe(response);
    }
    if (request.url.split("?")[0] === "/") {
      const page = await (await fetch(`${serviceUrl}/`)).text();
      const html = page.replace(
        /(<script id="vod-demo-config" type="application\/json">)(.*?)(<\/script>)/s,
        (_, open, json, close) => `${open}${JSON.stringify({ ...JSON.parse(json), service: serviceUrl }).replace(/</g, "\\u003c")}${close}`,
      );
      return response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(html);
    }
    response.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${port}` };
}

async function uploads(serviceUrl, token, fileId) {
  const response = await fetch(`${serviceUrl}/uploads/${fileId}`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json().catch(() => null) };
}

/** One run of the flow; `wrongKey`: the service signs with another SecretKey than VOD knows. */
async function scenario({ name, events, wrongKey = false }) {
  log(`${name}: starting`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `vod-e2e-${name}-`));
  const target = { serviceUrl: "" };
  const standIn = await startStandIn({
    secretId: SECRET_ID,
    secretKey: SECRET_KEY,
    signKey: SIGN_KEY,
    events,
    verdict: VERDICT,
    target,
    log,
  });
  const sdkIntegrity = `sha384-${crypto.createHash("sha384").update(fs.readFileSync(sdkFile)).digest("base64")}`;
  let service;
  let origin;
  let browser;
  const serviceLog = path.join(work, "service.log");
  try {
    // The page's origin is known before the service starts: it is listed as allowed.
    const originPort = await freePort();
    service = await startService(
      {
        TENCENTCLOUD_SECRET_ID: SECRET_ID,
        // VOD_E2E_SERVICE_SECRET_KEY: to check once that the other runs fail with a wrong key.
        TENCENTCLOUD_SECRET_KEY: wrongKey ? `${SECRET_KEY.slice(0, -5)}WRONG` : (process.env.VOD_E2E_SERVICE_SECRET_KEY ?? SECRET_KEY),
        VOD_UPLOAD_TOKENS: `${TOKENS.alice}:alice,${TOKENS.bob}:bob`,
        VOD_ALLOWED_ORIGINS: `http://127.0.0.1:${originPort}`,
        VOD_EVENTS: events,
        ...(events === "callback" ? { VOD_EVENT_SIGN_KEY: SIGN_KEY } : {}),
        VOD_API_ENDPOINT: standIn.apiEndpoint,
        VOD_DATABASE_URL: `sqlite://${path.join(work, "uploads.db")}`,
        VOD_PROCEDURE: "e2e-review",
        VOD_ONE_TIME_VALID: "1",
        VOD_DEMO_SDK_URL: `http://127.0.0.1:${originPort}/vod-js-sdk-v6.js`,
        VOD_DEMO_SDK_INTEGRITY: sdkIntegrity,
        RUST_LOG: "info",
      },
      serviceLog,
    );
    target.serviceUrl = service.url;
    origin = await startStaticOrigin(service.url, originPort);

    const map = (host) => `MAP ${host} 127.0.0.1:${standIn.uploadPort}`;
    browser = await puppeteer.launch({
      executablePath: chromium,
      headless: true,
      args: [
        // As root in CI; and no background traffic to Google on a closed network.
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--host-resolver-rules=${["vod2.qcloud.com", "vod2.dnsv1.com", "*.myqcloud.com", "*.tencentcos.cn", "vodreport.qcloud.com"].map(map).join(",")}`,
        `--ignore-certificate-errors-spki-list=${standIn.spkiHash}`,
      ],
    });
    const page = await browser.newPage();
    await page.setViewport({ width: 900, height: 640 });
    page.on("console", (message) => log(`page console: ${message.text()}`));
    page.on("pageerror", (error) => log(`page error: ${error.message}`));
    page.on("requestfailed", (request) => log(`page request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`));
    page.on("response", (response) => response.status() >= 400 && log(`page got ${response.status()} for ${response.request().method()} ${response.url()}`));
    await page.goto(origin.url, { waitUntil: "load" });
    await page.type("#token", TOKENS.alice);
    await page.click("#sign-in");
    await page.waitForFunction(() => document.getElementById("who").textContent === "signed in", { timeout: 10000 });
    const input = await page.$("#file");
    await input.uploadFile(sampleMp4(work));
    await page.click("#upload");
    fs.mkdirSync(out, { recursive: true });

    if (wrongKey) {
      await page.waitForFunction(() => document.getElementById("message").className === "error", { timeout: 30000 });
      const message = await page.$eval("#message", (element) => element.textContent);
      log(`${name}: the page says: ${message}`);
      assert.match(message, /invalid signature/);
      assert.match(message, /VOD error 10004/);
      assert.equal(standIn.state.accepted.length, 0, "VOD accepted none of the wrong key's signatures");
      assert.ok(standIn.state.refused.length >= 1);
      assert.equal(standIn.state.media.size, 0, "nothing was uploaded");
      await page.screenshot({ path: path.join(out, `${name}.png`) });
      log(`${name}: passed`);
      return;
    }

    // Finished, or an error shown (then the assertion names it at once).
    await page.waitForFunction(
      () => document.querySelector('td.status[data-status="finished"]') || document.getElementById("message").className === "error",
      { timeout: 60000 },
    );
    const shown = await page.$eval("#message", (element) => element.textContent);
    await page.screenshot({ path: path.join(out, `${name}.png`) });
    assert.doesNotMatch(shown, /failed|refused/, `the page shows an error: ${shown}`);
    const finished = await page.$('td.status[data-status="finished"]');
    const row = await finished.evaluateHandle((cell) => cell.parentElement);
    const [fileName, fileId, status, review, play] = await row.$$eval("td", (cells) => cells.map((cell) => cell.textContent));
    log(`${name}: the page shows ${fileName} ${fileId} ${status} review=${review} ${play}`);
    assert.equal(status, "finished");
    assert.equal(review, VERDICT);
    assert.equal(fileName, "e2e-sample");
    assert.match(shown, /finished; content review verdict: review/);

    // The store, through the service: alice's, finished, reviewed; not bob's.
    const own = await uploads(service.url, TOKENS.alice, fileId);
    assert.equal(own.status, 200);
    assert.equal(own.body.data.userId, "alice");
    assert.equal(own.body.data.status, "finished");
    assert.equal(own.body.data.reviewSuggestion, VERDICT);
    assert.equal((await uploads(service.url, TOKENS.bob, fileId)).status, 404);

    // VOD saw three distinct valid signatures, one per request of the SDK's, each alice's.
    const actions = standIn.state.accepted.map((accepted) => accepted.action);
    assert.deepEqual(actions, ["PrepareUploadUGC", "ApplyUploadUGC", "CommitUploadUGC"]);
    assert.equal(new Set(standIn.state.accepted.map((accepted) => accepted.signature)).size, 3);
    for (const { params } of standIn.state.accepted) {
      assert.equal(params.sourceContext, JSON.stringify({ userId: "alice" }));
      assert.equal(params.oneTimeValid, "1");
      assert.equal(params.procedure, "e2e-review");
    }
    assert.deepEqual(standIn.state.refused, []);
    assert.equal(standIn.state.badApiSignatures, 0);
    if (events === "pull") assert.equal(standIn.state.confirmed.length, 3, "the three events were pulled and confirmed");
    else assert.equal(standIn.state.delivered.length, 3, "the three callbacks were answered 200");
    log(`${name}: passed`);
  } catch (error) {
    if (fs.existsSync(serviceLog)) log(`${name}: the service's log:\n${fs.readFileSync(serviceLog, "utf8")}`);
    throw error;
  } finally {
    await browser?.close();
    origin?.server.closeAllConnections();
    origin?.server.close();
    service?.child.kill("SIGTERM");
    await standIn.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

for (const file of [serviceBinary, chromium, sdkFile]) {
  if (!fs.existsSync(file)) {
    console.error(`[e2e] missing ${file}: build the service, install chromium, run npm ci`);
    process.exit(2);
  }
}
await scenario({ name: "callback", events: "callback" });
await scenario({ name: "pull", events: "pull" });
await scenario({ name: "wrong-key", events: "callback", wrongKey: true });
log("all passed");
