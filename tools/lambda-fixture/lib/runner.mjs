// Runs a function's bootstrap through @vercel/fun, an independent implementation of the Lambda
// Runtime API: each invocation gets a process from fun's pool (up to 10 per function, each with its
// own Runtime API server, frozen with SIGSTOP between invocations and reused, as Lambda reuses an
// execution environment). Two things fun does not do are done here:
// - the function's Timeout: past it the bootstrap is killed and the caller gets Lambda's answer
//   (FunctionError Unhandled, "Task timed out after N.NN seconds");
// - the Runtime API's headers: fun sends a constant Lambda-Runtime-Deadline-Ms (5000) and a fixed
//   function ARN; here each invocation sends its real deadline (epoch milliseconds) and ARN.
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import treeKill from "tree-kill";

const require = createRequire(import.meta.url);
const fun = require("@vercel/fun");
const { RuntimeServer } = require("@vercel/fun/dist/src/runtime-server");

/** How many invocations of one function can run at once: fun's pool holds at most 10 processes. */
export const FUN_POOL_MAX = 10;

const invocation = new AsyncLocalStorage();

// The parameters of the invocation a Runtime API server is handing out, set before fun resolves
// them to the waiting /next request, so the headers it writes can be the invocation's own.
const invoke = RuntimeServer.prototype.invoke;
RuntimeServer.prototype.invoke = function (params) {
  this.fixtureParams = params;
  return invoke.call(this, params);
};
const handleNext = RuntimeServer.prototype.handleNextInvocation;
RuntimeServer.prototype.handleNextInvocation = function (req, res) {
  const setHeader = res.setHeader.bind(res);
  res.setHeader = (name, value) => {
    const params = this.fixtureParams ?? {};
    if (name === "Lambda-Runtime-Deadline-Ms" && params.DeadlineMs) value = String(params.DeadlineMs);
    if (name === "Lambda-Runtime-Invoked-Function-Arn" && params.FunctionArn) value = params.FunctionArn;
    if (name === "Lambda-Runtime-Aws-Request-Id" && params.RequestId) value = params.RequestId;
    return setHeader(name, value);
  };
  return handleNext.call(this, req, res);
};

/** fun's runtime for a Lambda runtime id: the custom runtimes run the zip's bootstrap. */
export const funRuntime = (runtime) => (/^provided(\.al2|\.al2023)?$/.test(runtime) ? "provided" : null);

/** One deployed configuration of a function (code folder + settings) as fun runs it. */
export class Deployment {
  constructor(fn, processes) {
    this.fn = fn;
    this.processes = processes;
    this.inflight = 0;
    this.retired = false;
  }

  static async create({ name, region, runtime, handler, codeDir, memorySize, timeout, variables, credentials }) {
    const fn = await fun.createFunction({
      FunctionName: name,
      Region: region,
      Runtime: funRuntime(runtime),
      Handler: handler,
      Code: { Directory: codeDir },
      MemorySize: memorySize,
      Timeout: timeout,
      Environment: { Variables: variables },
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
    });
    const pool = fn.provider.pool;
    const acquire = pool.acquire.bind(pool);
    const processes = new Set();
    // Which process an invocation got, so a timeout can stop that one; and every process, so
    // destroy can stop them all (fun's destroy starts stopping them but does not wait for it).
    pool.acquire = async (...args) => {
      const store = invocation.getStore();
      const proc = await acquire(...args);
      if (store) store.proc = proc;
      if (!processes.has(proc)) {
        processes.add(proc);
        proc.once("exit", () => processes.delete(proc));
      }
      return proc;
    };
    return new Deployment(fn, processes);
  }

  /**
   * One RequestResponse invocation: { StatusCode, FunctionError, Payload, ExecutedVersion }. Past
   * timeoutSeconds the process is killed (fun then drops it from its pool) and the answer is Lambda's
   * timeout error.
   */
  async invoke(payload, { timeoutSeconds, functionArn }) {
    this.inflight++;
    const requestId = randomUUID();
    const started = Date.now();
    const store = {};
    const params = { InvocationType: "RequestResponse", Payload: payload, DeadlineMs: started + timeoutSeconds * 1000, FunctionArn: functionArn, RequestId: requestId };
    try {
      const work = invocation.run(store, () => this.fn.invoke(params));
      let timer;
      const expired = new Promise((resolve) => { timer = setTimeout(() => resolve("timeout"), timeoutSeconds * 1000); });
      const first = await Promise.race([work, expired]);
      clearTimeout(timer);
      if (first !== "timeout") return first;
      if (store.proc?.pid) await kill(store.proc);
      await work.catch(() => undefined); // fun answers "process exited" and destroys the process
      const seconds = ((Date.now() - started) / 1000).toFixed(2);
      // The payload Lambda returns for a timed-out invocation, as its users report it.
      return {
        StatusCode: 200,
        FunctionError: "Unhandled",
        ExecutedVersion: "$LATEST",
        Payload: JSON.stringify({ errorMessage: `${new Date().toISOString()} ${requestId} Task timed out after ${seconds} seconds` }),
      };
    } finally {
      this.inflight--;
      if (this.retired && this.inflight === 0) await this.destroy();
    }
  }

  /** No new invocations; the processes stop once the running ones end. */
  async retire() {
    this.retired = true;
    if (this.inflight === 0) await this.destroy();
  }

  async destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    // Stopped first, so fun's drain does not wait for an invocation that would run on.
    await Promise.all([...this.processes].map(kill));
    await this.fn.destroy().catch(() => undefined);
    await Promise.all([...this.processes].map(kill));
  }
}

/** Stops a bootstrap and what it started (a frozen one too: SIGKILL ends a stopped process). */
function kill(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => treeKill(proc.pid, "SIGKILL", () => resolve()));
}
