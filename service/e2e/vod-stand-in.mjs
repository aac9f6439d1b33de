// A stand-in for VOD, for the end-to-end test only: its upload side (HTTPS, as the web SDK
// reaches it: PrepareUploadUGC, ApplyUploadUGC and CommitUploadUGC on vod2.qcloud.com, the
// multipart upload to COS on *.myqcloud.com, the SDK's reports on vodreport.qcloud.com) and its
// API (plain HTTP, TC3-signed: DescribeMediaInfos, DescribeTaskDetail, PullEvents,
// ConfirmEvents). Chromium reaches the HTTPS side through --host-resolver-rules.
//
// Every upload signature is checked as VOD checks it, with this file's own code (Node's
// crypto, not the crate): the MAC, the secretId, the time window, the 90-day limit, and
// one-time use when oneTimeValid=1. After a commit it delivers NewFileUpload and, when the
// signature names a procedure, PROCESSING then FINISH ProcedureStateChanged with a content
// review verdict: by callback (with Sign and T) or through PullEvents.

import crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const NINETY_DAYS = 90 * 86400;
const APP_ID = 1400000000;

/** A self-signed certificate for the stand-in's HTTPS side, made now with openssl. */
export function selfSignedCertificate() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vod-stand-in-"));
  const key = path.join(dir, "key.pem");
  const cert = path.join(dir, "cert.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-subj", "/CN=vod-stand-in", "-days", "1", "-keyout", key, "-out", cert,
    "-addext", "subjectAltName=DNS:vod2.qcloud.com,DNS:vod2.dnsv1.com,DNS:*.myqcloud.com,DNS:*.cos.ap-guangzhou.myqcloud.com,DNS:vodreport.qcloud.com",
  ], { stdio: "ignore" });
  const pem = { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
  fs.rmSync(dir, { recursive: true });
  // Chromium's --ignore-certificate-errors-spki-list takes the SHA-256 of the public key.
  const spki = new crypto.X509Certificate(pem.cert).publicKey.export({ type: "spki", format: "der" });
  pem.spkiHash = crypto.createHash("sha256").update(spki).digest("base64");
  return pem;
}

/**
 * Checks an upload signature as VOD does. Answers { params } or { code, message } (VOD's
 * codes: 10004 invalid, 10010 expired).
 */
export function checkSignature(signature, { secretId, secretKey, now, used }) {
  const invalid = (why) => ({ code: 10004, message: `ugc upload | invalid signature: ${why}` });
  if (typeof signature !== "string" || !/^[A-Za-z0-9+/]+=*$/.test(signature)) return invalid("not Base64");
  const raw = Buffer.from(signature, "base64");
  if (raw.length <= 20) return invalid("too short");
  const mac = raw.subarray(0, 20);
  const original = raw.subarray(20);
  const expected = crypto.createHmac("sha1", secretKey).update(original).digest();
  if (!crypto.timingSafeEqual(mac, expected)) return invalid("MAC");
  const params = Object.fromEntries(new URLSearchParams(original.toString("utf8")));
  if (params.secretId !== secretId) return invalid("secretId");
  const integer = (name) => (/^[0-9]{1,10}$/.test(params[name] ?? "") ? Number(params[name]) : NaN);
  const current = integer("currentTimeStamp");
  const expire = integer("expireTime");
  if (!Number.isInteger(current) || !Number.isInteger(expire)) return invalid("timestamps");
  if (!/^[0-9]{1,10}$/.test(params.random ?? "") || Number(params.random) > 4294967295) return invalid("random");
  if (current > now + 300) return invalid("currentTimeStamp in the future");
  if (expire <= now) return { code: 10010, message: "ugc upload | signature expired" };
  if (expire - current > NINETY_DAYS) return invalid("valid for more than 90 days");
  if (params.oneTimeValid === "1") {
    if (used.has(signature)) return { code: 10004, message: "duplicate vod signature" };
    used.add(signature);
  }
  return { params };
}

/** The TC3-HMAC-SHA256 Authorization a request to the API should carry. */
function tc3Authorization({ secretId, secretKey, host, contentType, timestamp, body }) {
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const sha256 = (text) => crypto.createHash("sha256").update(text).digest("hex");
  const hmac = (key, text) => crypto.createHmac("sha256", key).update(text).digest();
  const canonical = `POST\n/\n\ncontent-type:${contentType}\nhost:${host}\n\ncontent-type;host\n${sha256(body)}`;
  const scope = `${date}/vod/tc3_request`;
  const toSign = `TC3-HMAC-SHA256\n${timestamp}\n${scope}\n${sha256(canonical)}`;
  const key = hmac(hmac(hmac(`TC3${secretKey}`, date), "vod"), "tc3_request");
  const signature = crypto.createHmac("sha256", key).update(toSign).digest("hex");
  return `TC3-HMAC-SHA256 Credential=${secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`;
}

const unix = () => Math.floor(Date.now() / 1000);

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Starts the stand-in. `events` is "callback" (POSTed to `target.serviceUrl`/vod/events,
 * signed with `signKey`; `target` is read when an event is due, so the service may start
 * after the stand-in) or "pull". `verdict` is the content review's suggestion.
 */
export async function startStandIn({ secretId, secretKey, signKey, events, target, verdict = "pass", log = () => {} }) {
  const tls = selfSignedCertificate();
  const state = {
    used: new Set(), // one-time signatures spent
    accepted: [], // { action, signature, params }
    refused: [], // { action, code, message }
    sessions: new Map(), // vodSessionKey -> the upload applied for
    objects: new Map(), // COS key -> bytes stored
    multipart: new Map(), // UploadId -> { key, parts: Map(partNumber -> bytes) }
    media: new Map(), // FileId -> DescribeMediaInfos' MediaInfo
    tasks: new Map(), // TaskId -> DescribeTaskDetail's answer
    pending: [], // events PullEvents hands out until confirmed
    delivered: [], // callbacks the service answered 200
    confirmed: [], // EventHandles confirmed after a pull
    badApiSignatures: 0,
    nextFileId: 5285890800000000000n,
  };

  const handleUpload = (request, response) => {
    serveUpload(request, response).catch((error) => {
      log(`stand-in: ${error.stack}`);
      response.writeHead(500).end();
    });
  };
  // One port for HTTPS and plain HTTP (COS's SDK takes the page's scheme, and an http page
  // reaches the bucket over http): a TLS handshake starts with byte 0x16.
  const secure = https.createServer({ key: tls.key, cert: tls.cert }, handleUpload);
  const plain = http.createServer(handleUpload);
  const upload = net.createServer((socket) => {
    socket.once("readable", () => {
      const first = socket.read(1);
      if (!first) return socket.destroy();
      socket.unshift(first);
      (first[0] === 0x16 ? secure : plain).emit("connection", socket);
    });
  });
  const api = http.createServer((request, response) => {
    serveApi(request, response).catch((error) => {
      log(`stand-in API: ${error.stack}`);
      response.writeHead(500).end();
    });
  });

  // The upload side, as the browser reaches it: CORS on everything, as VOD and its buckets do.
  async function serveUpload(request, response) {
    const host = (request.headers.host ?? "").replace(/:\d+$/, "");
    const url = new URL(request.url, `https://${host}`);
    if (process.env.VOD_E2E_VERBOSE) log(`stand-in: ${request.method} ${host}${request.url}`);
    const cors = {
      "Access-Control-Allow-Origin": request.headers.origin ?? "*",
      "Access-Control-Allow-Methods": "GET, POST, PUT, HEAD, DELETE, OPTIONS",
      "Access-Control-Allow-Headers": request.headers["access-control-request-headers"] ?? "*",
      "Access-Control-Expose-Headers": "ETag, Content-Length, x-cos-request-id",
      "Access-Control-Max-Age": "600",
    };
    if (request.method === "OPTIONS") return response.writeHead(204, cors).end();
    const body = await readBody(request);
    if (host === "vodreport.qcloud.com") return response.writeHead(200, cors).end("{}");
    if (host === "vod2.qcloud.com" || host === "vod2.dnsv1.com") {
      const answer = uploadApi(url.searchParams.get("Action"), body);
      return response.writeHead(200, { ...cors, "Content-Type": "application/json" }).end(JSON.stringify(answer));
    }
    if (host.endsWith(".myqcloud.com")) return cos(request, response, url, body, cors);
    log(`stand-in: no such host ${host}`);
    response.writeHead(404, cors).end();
  }

  function uploadApi(action, body) {
    let request;
    try {
      request = JSON.parse(body.toString("utf8"));
    } catch {
      return { code: 10001, message: "ugc upload | invalid request", data: {} };
    }
    const checked = checkSignature(request.signature, { secretId, secretKey, now: unix(), used: state.used });
    if (!checked.params) {
      state.refused.push({ action, code: checked.code, message: checked.message });
      log(`stand-in: ${action} refused: ${checked.message}`);
      return { code: checked.code, message: checked.message, data: {} };
    }
    state.accepted.push({ action, signature: request.signature, params: checked.params });
    switch (action) {
      case "PrepareUploadUGC":
        return { code: 0, message: "", data: { appId: APP_ID, cosRegionList: [{ region: "ap-guangzhou", domain: "upload.stand-in" }] } };
      case "ApplyUploadUGC": {
        if (!request.videoName || !request.videoType || !(request.videoSize > 0)) {
          return { code: 10001, message: "ugc upload | invalid request: video name, type and size", data: {} };
        }
        const vodSessionKey = crypto.randomBytes(16).toString("hex");
        const storagePath = `/${APP_ID}/${crypto.randomBytes(8).toString("hex")}/${request.videoName}.${request.videoType}`;
        const tempCertificate = {
          secretId: `AKIDtemp${crypto.randomBytes(8).toString("hex")}`,
          secretKey: crypto.randomBytes(16).toString("hex"),
          token: crypto.randomBytes(24).toString("hex"),
          expiredTime: unix() + 3600,
        };
        state.sessions.set(vodSessionKey, { ...request, storagePath, tempCertificate, params: checked.params });
        return {
          code: 0,
          message: "",
          data: {
            video: { storageSignature: "", storagePath },
            storageAppId: 1250000000,
            storageBucket: "vod-stand-in",
            storageRegion: "gzp",
            storageRegionV5: "ap-guangzhou",
            StorageRegionV5: "ap-guangzhou",
            domain: { vodDomain: "vod2.qcloud.com" },
            vodSessionKey,
            tempCertificate,
            timestamp: unix(),
            appId: APP_ID,
          },
        };
      }
      case "CommitUploadUGC": {
        const session = state.sessions.get(request.vodSessionKey);
        if (!session) return { code: 10001, message: "ugc upload | invalid vodSessionKey", data: {} };
        const key = session.storagePath.replace(/^\//, "");
        const stored = state.objects.get(key);
        if (stored !== session.videoSize) {
          return { code: 10001, message: `ugc upload | stored ${stored ?? 0} bytes of ${session.videoSize}`, data: {} };
        }
        state.sessions.delete(request.vodSessionKey);
        const fileId = String(state.nextFileId++);
        const mediaUrl = `https://${APP_ID}.vod2.myqcloud.com/stand-in/${fileId}/f0.${session.videoType}`;
        committed(fileId, session, mediaUrl);
        return { code: 0, message: "", data: { fileId, video: { url: mediaUrl, verify_content: "" } } };
      }
      default:
        return { code: 10001, message: `ugc upload | no such action ${action}`, data: {} };
    }
  }

  // COS's multipart upload (cos-js-sdk-v5's sliceUploadFile), checked against the session's
  // temporary credentials.
  function cos(request, response, url, body, cors) {
    const key = decodeURIComponent(url.pathname.slice(1));
    const session = [...state.sessions.values()].find((s) => s.storagePath === `/${key}`);
    const token = request.headers["x-cos-security-token"];
    const xml = (status, text) =>
      response.writeHead(status, { ...cors, "Content-Type": "application/xml", "x-cos-request-id": "stand-in" }).end(`<?xml version="1.0" encoding="UTF-8"?>\n${text}`);
    if (url.pathname === "/" && request.method === "GET" && url.searchParams.has("uploads")) {
      return xml(200, `<ListMultipartUploadsResult><Bucket>vod-stand-in-1250000000</Bucket><Prefix>${url.searchParams.get("prefix") ?? ""}</Prefix></ListMultipartUploadsResult>`);
    }
    if (!session || token !== session.tempCertificate.token || !(request.headers.authorization ?? "").includes(`q-ak=${session.tempCertificate.secretId}`)) {
      log(`stand-in COS: refused ${request.method} ${url.pathname}${url.search}`);
      return xml(403, "<Error><Code>AccessDenied</Code><Message>not this upload's credentials</Message></Error>");
    }
    const uploadId = url.searchParams.get("uploadId");
    if (request.method === "POST" && url.searchParams.has("uploads")) {
      const id = crypto.randomBytes(12).toString("hex");
      state.multipart.set(id, { key, parts: new Map() });
      return xml(200, `<InitiateMultipartUploadResult><Bucket>vod-stand-in-1250000000</Bucket><Key>${key}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
    }
    const upload = uploadId && state.multipart.get(uploadId);
    if (request.method === "PUT" && upload && url.searchParams.has("partNumber")) {
      upload.parts.set(Number(url.searchParams.get("partNumber")), body.length);
      const etag = `"${crypto.createHash("md5").update(body).digest("hex")}"`;
      return response.writeHead(200, { ...cors, ETag: etag, "x-cos-request-id": "stand-in" }).end();
    }
    if (request.method === "GET" && upload) {
      return xml(200, `<ListPartsResult><Bucket>vod-stand-in-1250000000</Bucket><Key>${key}</Key><UploadId>${uploadId}</UploadId></ListPartsResult>`);
    }
    if (request.method === "POST" && upload) {
      const size = [...upload.parts.values()].reduce((sum, bytes) => sum + bytes, 0);
      state.objects.set(key, size);
      state.multipart.delete(uploadId);
      return xml(200, `<CompleteMultipartUploadResult><Location>vod-stand-in-1250000000.cos.ap-guangzhou.myqcloud.com/${key}</Location><Bucket>vod-stand-in-1250000000</Bucket><Key>${key}</Key><ETag>"stand-in"</ETag></CompleteMultipartUploadResult>`);
    }
    if (request.method === "PUT") {
      state.objects.set(key, body.length);
      return response.writeHead(200, { ...cors, ETag: `"${crypto.createHash("md5").update(body).digest("hex")}"` }).end();
    }
    log(`stand-in COS: not served ${request.method} ${url.pathname}${url.search}`);
    return xml(400, "<Error><Code>InvalidRequest</Code></Error>");
  }

  // After a commit: the media exists, and VOD notifies.
  function committed(fileId, session, mediaUrl) {
    const sourceContext = session.params.sourceContext ?? "";
    const basicInfo = {
      Name: session.videoName,
      MediaUrl: mediaUrl,
      CoverUrl: "",
      Type: session.videoType,
      SourceInfo: { SourceType: "Upload", SourceContext: sourceContext },
    };
    const metaData = { Size: session.videoSize, Duration: 1.0 };
    const taskId = session.params.procedure ? `${APP_ID}-procedurev2-${crypto.randomBytes(8).toString("hex")}` : "";
    state.media.set(fileId, { FileId: fileId, BasicInfo: basicInfo, MetaData: metaData });
    const notices = [
      () => ({
        EventType: "NewFileUpload",
        FileUploadEvent: { FileId: fileId, MediaBasicInfo: basicInfo, MetaData: metaData, ProcedureTaskId: taskId },
      }),
    ];
    if (taskId) {
      const task = (status) => {
        const body = {
          TaskId: taskId, Status: status, ErrCode: 0, Message: "", FileId: fileId,
          FileName: session.videoName, FileUrl: mediaUrl, MetaData: metaData,
          SessionContext: session.params.sessionContext ?? "",
        };
        if (status === "FINISH") {
          body.AiContentReviewResultSet = [
            { Type: "Porn", PornTask: { Status: "SUCCESS", ErrCode: 0, Message: "", Output: { Confidence: 0, Suggestion: verdict } } },
          ];
        }
        state.tasks.set(taskId, { TaskType: "Procedure", Status: status, ProcedureTask: body });
        return { EventType: "ProcedureStateChanged", ProcedureStateChangeEvent: body };
      };
      notices.push(() => task("PROCESSING"), () => task("FINISH"));
    }
    notify(notices).catch((error) => log(`stand-in: notifying failed: ${error.stack}`));
  }

  // Each notice in order; the next only once the last was taken (a 200 to its callback, or
  // confirmed after a pull), as a task moves on only after it happened.
  async function notify(notices) {
    for (const notice of notices) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const event = notice();
      event.EventHandle = crypto.randomBytes(8).toString("hex");
      if (events === "pull") {
        state.pending.push(event);
        while (state.pending.includes(event)) await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      for (let attempt = 1; ; attempt++) {
        const t = unix() + 300;
        const sign = crypto.createHash("md5").update(`${signKey}${t}`).digest("hex");
        const answer = await fetch(`${target.serviceUrl}/vod/events`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ ...event, Sign: sign, T: t }),
        }).catch((error) => ({ status: 0, text: async () => String(error) }));
        if (answer.status === 200) {
          state.delivered.push(event);
          break;
        }
        log(`stand-in: callback ${event.EventType} answered ${answer.status} ${await answer.text()}`);
        if (attempt === 5) throw new Error(`callback ${event.EventType} refused 5 times`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  // The API, TC3-checked.
  async function serveApi(request, response) {
    const body = await readBody(request);
    const action = request.headers["x-tc-action"] ?? "";
    const reply = (members) => response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ Response: { ...members, RequestId: "stand-in" } }));
    const error = (code, message) => reply({ Error: { Code: code, Message: message } });
    const expected = tc3Authorization({
      secretId,
      secretKey,
      host: `127.0.0.1:${api.address().port}`,
      contentType: request.headers["content-type"] ?? "",
      timestamp: Number(request.headers["x-tc-timestamp"]),
      body,
    });
    if (request.headers.host !== `127.0.0.1:${api.address().port}` || request.headers.authorization !== expected) {
      state.badApiSignatures += 1;
      return error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.");
    }
    const input = JSON.parse(body.toString("utf8") || "{}");
    switch (action) {
      case "DescribeMediaInfos": {
        const ids = input.FileIds ?? [];
        return reply({
          MediaInfoSet: ids.filter((id) => state.media.has(id)).map((id) => state.media.get(id)),
          NotExistFileIdSet: ids.filter((id) => !state.media.has(id)),
        });
      }
      case "DescribeTaskDetail": {
        const task = state.tasks.get(input.TaskId);
        return task ? reply(task) : error("InvalidParameterValue.TaskId", "TaskId does not exist");
      }
      case "PullEvents":
        if (state.pending.length === 0) {
          // VOD holds the poll for up to 5 s; a short hold keeps the test quick.
          await new Promise((resolve) => setTimeout(resolve, 500));
          if (state.pending.length === 0) return error("ResourceNotFound.NoEvent", "no event");
        }
        return reply({ EventSet: state.pending.slice() });
      case "ConfirmEvents": {
        const handles = input.EventHandles ?? [];
        state.pending = state.pending.filter((event) => !handles.includes(event.EventHandle));
        state.confirmed.push(...handles);
        return reply({});
      }
      default:
        return error("InvalidAction", `${action} is not served by the stand-in`);
    }
  }

  await new Promise((resolve) => upload.listen(0, "127.0.0.1", resolve));
  await new Promise((resolve) => api.listen(0, "127.0.0.1", resolve));
  return {
    state,
    spkiHash: tls.spkiHash,
    uploadPort: upload.address().port,
    apiEndpoint: `http://127.0.0.1:${api.address().port}`,
    close: () =>
      Promise.all(
        [upload, secure, plain, api].map((server) => {
          const closed = server.listening ? new Promise((resolve) => server.close(resolve)) : Promise.resolve();
          server.closeAllConnections?.();
          return closed;
        }),
      ),
  };
}
