// Starts fauxqs (S3 + SQS) on 127.0.0.1 only: its own CLI listens on every interface.
//
// Two additions, both behaviour real S3 and real outages have and the emulator lacks:
// - PutObject with 'If-None-Match: *' fails with 412 PreconditionFailed when the key exists, as S3
//   does since 2024. The check and a reservation of the key happen in one synchronous step of
//   Node's single thread, so two racing puts cannot both win.
//   With --no-conditions (or FAUXQS_NO_CONDITIONS=1) the check is off, as in raw fauxqs and some
//   other S3-compatible stores: every such put succeeds. SIGHUP turns the check off, or on again.
// - SIGUSR1 takes the endpoint away (listener closed, open connections cut); SIGUSR2 brings it
//   back on the same port with every queue, message and object kept.
//
// Usage: node server.mjs [port] [--no-conditions]
//   prints "fauxqs listening on http://127.0.0.1:<port>" when ready.
import { buildApp } from "fauxqs";
import { S3Store } from "./node_modules/fauxqs/dist/s3/s3Store.js";
import { SqsStore } from "./node_modules/fauxqs/dist/sqs/sqsStore.js";
import { SnsStore } from "./node_modules/fauxqs/dist/sns/snsStore.js";

const args = process.argv.slice(2);
const port = Number(args.find((a) => !a.startsWith("--")) ?? process.env.FAUXQS_PORT ?? 4566);
let conditions = !(args.includes("--no-conditions") || process.env.FAUXQS_NO_CONDITIONS === "1");
const host = "127.0.0.1";
const s3Store = new S3Store();
const app = buildApp({ logger: false, host, stores: { sqsStore: new SqsStore(), snsStore: new SnsStore(), s3Store } });

const reserved = new Set();
app.addHook("preHandler", (request, reply, done) => {
  if (!conditions || request.method !== "PUT" || request.headers["if-none-match"] !== "*" || request.headers["x-amz-copy-source"]) {
    return done();
  }
  const bucket = request.params?.bucket;
  const key = request.params?.["*"];
  if (!bucket || !key) return done();
  const id = `${bucket}/${key}`;
  if (reserved.has(id) || s3Store.buckets.get(bucket)?.has(key)) {
    reply.status(412).header("content-type", "application/xml").send(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code>` +
      `<Message>At least one of the pre-conditions you specified did not hold</Message>` +
      `<Condition>If-None-Match</Condition><Resource>/${id}</Resource></Error>`);
    return;
  }
  reserved.add(id);
  request.claimedKey = id;
  done();
});
app.addHook("onResponse", (request, _reply, done) => {
  if (request.claimedKey) reserved.delete(request.claimedKey);
  done();
});

await app.listen({ port, host });
console.log(`fauxqs listening on http://${host}:${port}`);

process.on("SIGHUP", () => {
  conditions = !conditions;
  console.log(`fauxqs conditions ${conditions ? "on" : "off"}`);
});
process.on("SIGUSR1", () => {
  app.server.close();
  app.server.closeAllConnections();
  console.log("fauxqs down");
});
process.on("SIGUSR2", () => {
  if (app.server.listening) return;
  app.server.listen(port, host, () => console.log("fauxqs up"));
});
// Keeps the process alive while the listener is closed.
setInterval(() => {}, 1 << 30);
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
