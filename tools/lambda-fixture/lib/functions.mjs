// Functions: configuration and code per region, the checks AWS makes beyond the model, and Invoke.
import { createHash, randomUUID } from "node:crypto";
import { access, constants, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ApiError } from "./errors.mjs";
import { Deployment, FUN_POOL_MAX, funRuntime } from "./runner.mjs";

const require = createRequire(import.meta.url);
const { zipFromBuffer, unzip } = require("@vercel/fun/dist/src/unzip");

// Variables Lambda sets itself and refuses in a function's environment.
const RESERVED = ["_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
  "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"];
const NAME = /^(?:arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(?:-gov)?-[a-z]+-\d:\d{12}:function:|\d{12}:function:)?([a-zA-Z0-9-_.]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const INVOKE_PAYLOAD_MAX = 6291456; // bytes, Lambda's synchronous payload quota

const lastModified = () => new Date().toISOString().replace("Z", "+0000");
const invalid = (message) => new ApiError("InvalidParameterValueException", message);

export class FunctionStore {
  constructor({ dataDir, account, credentials, concurrency, endpoint }) {
    this.dataDir = dataDir;
    this.account = account;
    this.credentials = credentials;
    this.concurrency = Math.min(concurrency, FUN_POOL_MAX);
    this.endpoint = endpoint;
    this.functions = new Map(); // "<region>/<name>" => function
  }

  arn(region, name) {
    return `arn:aws:lambda:${region}:${this.account}:function:${name}`;
  }

  /** The function a FunctionName (name, partial or full ARN) names, or ResourceNotFoundException. */
  find(region, functionName, qualifier) {
    const m = NAME.exec(functionName);
    const name = m?.[1] ?? functionName;
    const version = qualifier ?? m?.[2];
    const fn = this.functions.get(`${region}/${name}`);
    if (!fn || (version && version !== "$LATEST")) {
      throw new ApiError("ResourceNotFoundException", `Function not found: ${this.arn(region, name)}${version ? `:${version}` : ""}`);
    }
    return fn;
  }

  tryFind(region, functionName) {
    try { return this.find(region, functionName); } catch { return null; }
  }

  checkSettings(input) {
    if (input.Runtime !== undefined && !funRuntime(input.Runtime)) {
      throw invalid(`The fixture runs custom runtimes only (provided, provided.al2, provided.al2023), not '${input.Runtime}': ` +
        "package a bootstrap that speaks the Runtime API.");
    }
    if (input.Layers?.length) throw invalid("The fixture does not provide layers: bring what the function needs in its own zip.");
    if (input.Timeout > 900) {
      // Lambda's quota, which the model does not state.
      throw new ApiError("ValidationException", `1 validation error detected: Value '${input.Timeout}' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900`, 400);
    }
    const variables = input.Environment?.Variables;
    if (variables) {
      const reserved = Object.keys(variables).filter((k) => RESERVED.includes(k.toUpperCase()));
      if (reserved.length) {
        throw invalid("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys " +
          `that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(", ")}`);
      }
      const size = Buffer.byteLength(JSON.stringify(variables));
      if (size > 4096) {
        throw invalid(`Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${size} bytes.`);
      }
    }
  }

  async unpack(fn, zip) {
    const dir = join(this.dataDir, fn.region, fn.config.FunctionName, randomUUID());
    await mkdir(dir, { recursive: true });
    try {
      const archive = await zipFromBuffer(zip);
      await unzip(archive, dir);
      await archive.close();
    } catch {
      await rm(dir, { recursive: true, force: true });
      throw invalid("Could not unzip uploaded file. Please check your file, then try to upload again.");
    }
    await writeFile(`${dir}.zip`, zip);
    fn.config.CodeSize = zip.length;
    fn.config.CodeSha256 = createHash("sha256").update(zip).digest("base64");
    return dir;
  }

  async deploy(fn, codeDir) {
    const old = fn.deployment;
    const oldDir = fn.codeDir;
    fn.codeDir = codeDir;
    fn.deployment = await Deployment.create({
      name: fn.config.FunctionName,
      region: fn.region,
      runtime: fn.config.Runtime,
      handler: fn.config.Handler,
      codeDir,
      memorySize: fn.config.MemorySize,
      timeout: fn.config.Timeout,
      variables: fn.config.Environment?.Variables ?? {},
      credentials: this.credentials,
    });
    fn.config.LastModified = lastModified();
    fn.config.RevisionId = randomUUID();
    if (old) {
      // Invocations already running finish on what they started with, as in Lambda.
      await old.retire();
      if (oldDir !== codeDir) setTimeout(() => rm(oldDir, { recursive: true, force: true }).catch(() => undefined), 60_000).unref();
    }
  }

  async create(region, input) {
    if (!input.Runtime || !input.Handler) throw invalid("Runtime and Handler are mandatory parameters for functions created with deployment packages.");
    this.checkSettings(input);
    if (!input.Code?.ZipFile) throw invalid("The fixture takes a function's code as Code.ZipFile; S3Bucket/S3Key and ImageUri are not supported.");
    const name = NAME.exec(input.FunctionName)?.[1] ?? input.FunctionName;
    const key = `${region}/${name}`;
    if (this.functions.has(key)) throw new ApiError("ResourceConflictException", `Function already exist: ${name}`);
    const fn = {
      region,
      running: 0,
      config: {
        FunctionName: name,
        FunctionArn: this.arn(region, name),
        Runtime: input.Runtime,
        Role: input.Role,
        Handler: input.Handler,
        Description: input.Description ?? "",
        Timeout: input.Timeout ?? 3,
        MemorySize: input.MemorySize ?? 128,
        Version: "$LATEST",
        Environment: input.Environment?.Variables ? { Variables: { ...input.Environment.Variables } } : undefined,
        TracingConfig: { Mode: input.TracingConfig?.Mode ?? "PassThrough" },
        State: "Active",
        LastUpdateStatus: "Successful",
        PackageType: "Zip",
        Architectures: input.Architectures ?? ["x86_64"],
        EphemeralStorage: { Size: input.EphemeralStorage?.Size ?? 512 },
        SnapStart: { ApplyOn: "None", OptimizationStatus: "Off" },
      },
      tags: input.Tags ?? {},
    };
    this.functions.set(key, fn); // reserved at once: a second create of the name conflicts
    try {
      await this.deploy(fn, await this.unpack(fn, input.Code.ZipFile));
    } catch (e) {
      this.functions.delete(key);
      throw e;
    }
    return fn.config;
  }

  get(region, input) {
    const fn = this.find(region, input.FunctionName, input.Qualifier);
    return {
      Configuration: fn.config,
      Code: { RepositoryType: "S3", Location: `${this.endpoint()}/_fixture/code/${fn.region}/${fn.config.FunctionName}/${fn.config.RevisionId}.zip` },
      Tags: Object.keys(fn.tags).length ? fn.tags : undefined,
    };
  }

  /** The zip a GetFunction Code.Location names (a plain GET, as a presigned URL is). */
  codeFile(region, name, revision) {
    const fn = this.functions.get(`${region}/${name}`);
    return fn && fn.config.RevisionId === revision ? `${fn.codeDir}.zip` : null;
  }

  list(region) {
    return { Functions: [...this.functions.values()].filter((f) => f.region === region).map((f) => f.config) };
  }

  async updateCode(region, input) {
    const fn = this.find(region, input.FunctionName);
    if (!input.ZipFile) throw invalid("The fixture takes a function's code as ZipFile; S3Bucket/S3Key and ImageUri are not supported.");
    await this.deploy(fn, await this.unpack(fn, input.ZipFile));
    return fn.config;
  }

  async updateConfiguration(region, input) {
    const fn = this.find(region, input.FunctionName);
    this.checkSettings(input);
    for (const key of ["Runtime", "Role", "Handler", "Description", "Timeout", "MemorySize"]) {
      if (input[key] !== undefined) fn.config[key] = input[key];
    }
    if (input.Environment) fn.config.Environment = { Variables: { ...(input.Environment.Variables ?? {}) } };
    await this.deploy(fn, fn.codeDir);
    return fn.config;
  }

  async delete(region, input) {
    const fn = this.find(region, input.FunctionName, input.Qualifier);
    this.functions.delete(`${region}/${fn.config.FunctionName}`);
    fn.deleted = true;
    await fn.deployment.retire();
    setTimeout(() => rm(join(this.dataDir, region, fn.config.FunctionName), { recursive: true, force: true }).catch(() => undefined), 60_000).unref();
    return {};
  }

  /** Lambda's answer when the zip has no bootstrap it can run, as it gives it (Runtime.InvalidEntrypoint). */
  async entrypointError(fn, requestId) {
    const bootstrap = join(fn.codeDir, "bootstrap");
    let problem = null;
    try {
      if (!(await stat(bootstrap)).isFile()) problem = "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]";
      else await access(bootstrap, constants.X_OK).catch(() => { problem = "fork/exec /var/task/bootstrap: permission denied"; });
    } catch {
      problem = "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]";
    }
    if (!problem) return null;
    return { StatusCode: 200, FunctionError: "Unhandled", ExecutedVersion: "$LATEST", Payload: JSON.stringify({ errorType: "Runtime.InvalidEntrypoint", errorMessage: `RequestId: ${requestId} Error: ${problem}` }) };
  }

  /**
   * Runs the function once with a JSON payload; the invocation's result. Past the function's
   * concurrency (what fun's process pool can run at once) the call is throttled as Lambda throttles.
   */
  async run(fn, payload) {
    if (!fn.deployment || fn.deleted) {
      throw new ApiError("ResourceConflictException", `The operation cannot be performed at this time. The function is currently in the following state: ${fn.deleted ? "Deleted" : "Pending"}`);
    }
    if (fn.running >= this.concurrency) {
      throw new ApiError("TooManyRequestsException", "Rate Exceeded.", 429, { Reason: "ConcurrentInvocationLimitExceeded" });
    }
    fn.running++;
    try {
      const broken = await this.entrypointError(fn, randomUUID());
      if (broken) return broken;
      return await fn.deployment.invoke(payload, { timeoutSeconds: fn.config.Timeout, functionArn: fn.config.FunctionArn });
    } finally {
      fn.running--;
    }
  }

  async invoke(region, input) {
    const fn = this.find(region, input.FunctionName, input.Qualifier);
    const payload = input.Payload?.length ? input.Payload.toString("utf8") : "{}";
    if (input.Payload?.length > INVOKE_PAYLOAD_MAX) {
      throw new ApiError("RequestTooLargeException", `Request must be smaller than ${INVOKE_PAYLOAD_MAX} bytes for the InvokeFunction operation`);
    }
    try {
      JSON.parse(payload);
    } catch (e) {
      throw new ApiError("InvalidRequestContentException", `Could not parse request body into json: ${e.message}`);
    }
    const type = input.InvocationType ?? "RequestResponse";
    if (type === "DryRun") return { StatusCode: 204 };
    if (type === "Event") {
      this.run(fn, payload).catch(() => undefined);
      return { StatusCode: 202 };
    }
    const result = await this.run(fn, payload);
    return { StatusCode: result.StatusCode ?? 200, FunctionError: result.FunctionError, ExecutedVersion: "$LATEST", Payload: Buffer.from(String(result.Payload ?? "")) };
  }

  async destroyAll() {
    await Promise.all([...this.functions.values()].map((fn) => fn.deployment?.destroy()));
  }
}
