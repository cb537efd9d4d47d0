// A Lambda control plane on 127.0.0.1 for Workflow.PowerShell's tests. Nothing on npm, Debian or
// NuGet emulates it, so this follows AWS's own model of the API (botocore's service-2.json: routes,
// input locations, validation, output shapes, error shapes), verifies the SigV4 signature of every
// request against one test credential pair, runs functions through @vercel/fun (custom runtimes:
// the zip's bootstrap) with the function's Timeout enforced, and polls SQS queues for event-source
// mappings. Functions live per region: the region is the one the request is signed for.
//
// Usage: node server.mjs [--port N] [--sqs-endpoint URL] [--access-key K] [--secret-key S]
//          [--account 000000000000] [--model PATH] [--data DIR] [--concurrency 10]
//          [--sqs-pollers 5] [--sqs-wait-seconds 5] [--stdin-lifeline]
//   prints "lambda-fixture listening on http://127.0.0.1:<port>" first when ready. Defaults: a free
//   port, credentials LAMBDA_FIXTURE_ACCESS_KEY/_SECRET_KEY or test/test, the model at
//   LAMBDA_MODEL or Debian's path, a fresh temp folder for code. With --stdin-lifeline the fixture
//   ends when its standard input closes (its parent died). Operations the fixture does not
//   implement answer 501 NotImplementedException naming the operation.
import { createServer } from "node:http";
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { verify } from "./lib/auth.mjs";
import { ApiError, errorResponse } from "./lib/errors.mjs";
import { EventSources } from "./lib/event-sources.mjs";
import { FunctionStore } from "./lib/functions.mjs";
import { DEFAULT_MODEL, findOperation, loadModel, outputResponse, parseInput, validate } from "./lib/model.mjs";
import { SqsClient } from "./lib/sqs.mjs";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "sqs-endpoint": { type: "string" },
    "access-key": { type: "string", default: process.env.LAMBDA_FIXTURE_ACCESS_KEY ?? "test" },
    "secret-key": { type: "string", default: process.env.LAMBDA_FIXTURE_SECRET_KEY ?? "test" },
    account: { type: "string", default: "000000000000" }, // fauxqs's account, so queue and function ARNs agree
    model: { type: "string", default: process.env.LAMBDA_MODEL ?? DEFAULT_MODEL },
    data: { type: "string" },
    concurrency: { type: "string", default: "10" },
    "sqs-pollers": { type: "string", default: "5" }, // Lambda starts an SQS mapping with five pollers
    "sqs-wait-seconds": { type: "string", default: "5" },
    "stdin-lifeline": { type: "boolean", default: false },
  },
});

const credentials = { accessKeyId: args["access-key"], secretAccessKey: args["secret-key"] };
const api = loadModel(args.model);
const dataDir = args.data ?? (await mkdtemp(join(tmpdir(), "lambda-fixture-")));
const host = "127.0.0.1";
let endpoint = "";
const log = (line) => process.stderr.write(`lambda-fixture: ${line}\n`);

const functions = new FunctionStore({ dataDir, account: args.account, credentials, concurrency: Number(args.concurrency), endpoint: () => endpoint });
const sqs = args["sqs-endpoint"] ? new SqsClient(args["sqs-endpoint"], credentials) : null;
const eventSources = new EventSources({ functions, sqs, pollers: Number(args["sqs-pollers"]), waitSeconds: Number(args["sqs-wait-seconds"]), log });

// The operations the fixture implements; every other operation of the model answers 501.
const handlers = {
  CreateFunction: (region, input) => functions.create(region, input),
  GetFunction: (region, input) => functions.get(region, input),
  GetFunctionConfiguration: (region, input) => functions.find(region, input.FunctionName, input.Qualifier).config,
  ListFunctions: (region) => functions.list(region),
  UpdateFunctionCode: (region, input) => functions.updateCode(region, input),
  UpdateFunctionConfiguration: (region, input) => functions.updateConfiguration(region, input),
  DeleteFunction: (region, input) => functions.delete(region, input),
  Invoke: (region, input) => functions.invoke(region, input),
  CreateEventSourceMapping: (region, input) => eventSources.create(region, input),
  GetEventSourceMapping: (_region, input) => eventSources.find(input.UUID).config,
  ListEventSourceMappings: (region, input) => eventSources.list(region, input),
  UpdateEventSourceMapping: (_region, input) => eventSources.update(input),
  DeleteEventSourceMapping: (_region, input) => eventSources.delete(input),
};

// Lambda's request size quotas: 50 MB zipped code is about 69905067 bytes of base64 JSON.
const BODY_MAX = { CreateFunction: 69905067, UpdateFunctionCode: 69905067, Invoke: 6291456 };

function readBody(request, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    request.on("data", (chunk) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    request.on("end", () => resolve(size > limit ? null : Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function send(response, { status, headers, body }, requestId) {
  response.writeHead(status, { "x-amzn-requestid": requestId, ...headers });
  response.end(body);
}

async function handle(request, response) {
  const requestId = randomUUID();
  const url = new URL(request.url, "http://fixture");
  const code = /^\/_fixture\/code\/([^/]+)\/([^/]+)\/([^/]+)\.zip$/.exec(url.pathname);
  if (code && request.method === "GET") {
    // GetFunction's Code.Location: a URL that needs no signature, as a presigned one.
    const file = functions.codeFile(code[1], code[2], code[3]);
    if (!file) return send(response, { status: 404, headers: {}, body: "" }, requestId);
    response.writeHead(200, { "content-type": "application/zip" });
    return createReadStream(file).pipe(response);
  }
  let op;
  try {
    const found = findOperation(api, request.method, url.pathname, url.searchParams);
    const limit = BODY_MAX[found?.name] ?? 6291456;
    const body = await readBody(request, limit);
    if (body === null) {
      throw new ApiError("RequestEntityTooLargeException", `Request must be smaller than ${limit} bytes for the ${found?.name === "Invoke" ? "InvokeFunction" : found?.name ?? "this"} operation`, 413);
    }
    const region = verify(request, body, { ...credentials, service: "lambda" });
    if (!found) throw new ApiError("UnknownOperationException", `No Lambda operation is ${request.method} ${url.pathname}.`, 404);
    if (found.methodNotAllowed) throw new ApiError("UnknownOperationException", `${found.methodNotAllowed}'s path does not take ${request.method}.`, 405);
    op = found.op;
    const handler = handlers[found.name];
    if (!handler) {
      throw new ApiError("NotImplementedException",
        `The Lambda fixture does not implement ${found.name} (${op.http.method} ${op.http.requestUri}). It implements ${Object.keys(handlers).join(", ")}.`, 501);
    }
    const input = parseInput(api, op, { labels: found.labels, query: url.searchParams, headers: request.headers, body });
    validate(api, op, input);
    const output = await handler(region, input);
    send(response, outputResponse(api, op, output ?? {}), requestId);
  } catch (e) {
    if (!(e instanceof ApiError)) {
      log(`${request.method} ${url.pathname}: ${e.stack ?? e}`);
      e = new ApiError("ServiceException", `The fixture failed: ${e.message}`, 500);
    }
    send(response, errorResponse(api.model, e, requestId), requestId);
  }
}

const server = createServer((request, response) => {
  handle(request, response).catch((e) => {
    log(String(e?.stack ?? e));
    if (!response.headersSent) response.writeHead(500);
    response.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(args.port), host, () => {
  endpoint = `http://${host}:${server.address().port}`;
  console.log(`lambda-fixture listening on ${endpoint}`);
});

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  await Promise.race([Promise.all([eventSources.stopAll(), functions.destroyAll()]), new Promise((r) => setTimeout(r, 5000))]);
  if (!args.data) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
  process.exit(0);
}
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, shutdown);
if (args["stdin-lifeline"]) {
  process.stdin.on("end", shutdown);
  process.stdin.on("close", shutdown);
  process.stdin.resume();
}
