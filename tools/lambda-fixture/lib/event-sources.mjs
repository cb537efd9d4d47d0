// Event-source mappings from SQS queues, run as Lambda runs them: pollers long-poll the queue,
// gather a batch (BatchSize, MaximumBatchingWindowInSeconds), invoke the function with the SQS event
// as AWS shapes it, then delete the batch on success (all but the messages the function names in
// batchItemFailures, with ReportBatchItemFailures) and none on a function error, so those come back
// after the queue's visibility timeout.
import { randomUUID } from "node:crypto";
import { ApiError } from "./errors.mjs";
import { SqsError } from "./sqs.mjs";

const QUEUE_ARN = /^arn:aws[a-zA-Z-]*:sqs:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$/;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const invalid = (message) => new ApiError("InvalidParameterValueException", message);

/** The SQS event record of a received message, with the members and names AWS gives it. */
export function sqsRecord(message, arn, region) {
  const attributes = {};
  for (const [k, v] of Object.entries(message.Attributes ?? {})) attributes[k] = String(v);
  const messageAttributes = {};
  for (const [k, a] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[k] = {
      stringValue: a.StringValue,
      binaryValue: a.BinaryValue,
      stringListValues: a.StringListValues ?? [],
      binaryListValues: a.BinaryListValues ?? [],
      dataType: a.DataType,
    };
  }
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body,
    attributes,
    messageAttributes,
    md5OfMessageAttributes: message.MD5OfMessageAttributes,
    md5OfBody: message.MD5OfBody,
    eventSource: "aws:sqs",
    eventSourceARN: arn,
    awsRegion: region,
  };
}

/**
 * The ids of the messages to keep from a function's response, as Lambda reads batchItemFailures:
 * an empty or null response or list means all succeeded; invalid JSON, or an item whose
 * itemIdentifier is missing, empty or not in the batch, fails the whole batch (null = keep all).
 */
export function failedIds(payload, batch) {
  const text = String(payload ?? "").trim();
  if (!text) return new Set();
  let response;
  try { response = JSON.parse(text); } catch { return null; }
  const items = response?.batchItemFailures;
  if (items === undefined || items === null) return new Set();
  if (!Array.isArray(items)) return null;
  const ids = new Set(batch.map((m) => m.MessageId));
  const failed = new Set();
  for (const item of items) {
    const id = item?.itemIdentifier;
    if (typeof id !== "string" || !id || !ids.has(id)) return null;
    failed.add(id);
  }
  return failed;
}

export class EventSources {
  constructor({ functions, sqs, pollers, waitSeconds, log }) {
    this.functions = functions;
    this.sqs = sqs;
    this.pollerCount = pollers;
    this.waitSeconds = waitSeconds;
    this.log = log;
    this.mappings = new Map();
  }

  find(uuid) {
    const mapping = this.mappings.get(uuid);
    if (!mapping) throw new ApiError("ResourceNotFoundException", "The resource you requested does not exist.");
    return mapping;
  }

  async create(region, input) {
    if (!this.sqs) throw invalid("The fixture was started without --sqs-endpoint, so it cannot poll SQS queues.");
    const fn = this.functions.find(region, input.FunctionName);
    const arn = input.EventSourceArn;
    const parsed = arn && QUEUE_ARN.exec(arn);
    if (!parsed) throw invalid(`The fixture maps SQS queues only: give EventSourceArn as arn:aws:sqs:<region>:<account>:<queue>, not '${arn ?? "null"}'.`);
    const [, queueRegion, , queueName] = parsed;
    for (const m of this.mappings.values()) {
      if (m.config.EventSourceArn === arn && m.functionKey === `${fn.region}/${fn.config.FunctionName}`) {
        throw new ApiError("ResourceConflictException",
          `An event source mapping with SQS arn (" ${arn} ") and function (" ${fn.config.FunctionName} ") already exists. Please update or delete the existing mapping with UUID ${m.config.UUID}`);
      }
    }
    let url, attributes;
    try {
      url = await this.sqs.queueUrl(queueRegion, queueName);
      attributes = await this.sqs.attributes(queueRegion, url, ["VisibilityTimeout", "FifoQueue"]);
    } catch (e) {
      if (e instanceof SqsError) throw invalid(`The SQS queue ${arn} could not be read: ${e.code}: ${e.message}`);
      throw new ApiError("ServiceException", `The fixture cannot reach SQS at ${this.sqs.endpoint}: ${e.message}`);
    }
    const visibility = Number(attributes.VisibilityTimeout ?? 30);
    if (visibility < fn.config.Timeout) {
      throw invalid(`Queue visibility timeout: ${visibility} seconds is less than Function timeout: ${fn.config.Timeout} seconds`);
    }
    const batchSize = input.BatchSize ?? 10;
    const window = input.MaximumBatchingWindowInSeconds ?? 0;
    const fifo = attributes.FifoQueue === "true";
    if (fifo && batchSize > 10) throw invalid("BatchSize must be less than or equal to 10 for FIFO queues.");
    if (fifo && window > 0) throw invalid("MaximumBatchingWindowInSeconds is not supported for FIFO queues.");
    if (batchSize > 10 && window < 1) throw invalid("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10");
    const uuid = randomUUID();
    const enabled = input.Enabled ?? true;
    const mapping = {
      functionKey: `${fn.region}/${fn.config.FunctionName}`,
      region: fn.region,
      queue: { region: queueRegion, url },
      running: [],
      config: {
        UUID: uuid,
        BatchSize: batchSize,
        MaximumBatchingWindowInSeconds: window,
        EventSourceArn: arn,
        FunctionArn: fn.config.FunctionArn,
        LastModified: new Date(),
        State: "Creating",
        StateTransitionReason: "USER_INITIATED",
        FunctionResponseTypes: input.FunctionResponseTypes ?? [],
      },
    };
    this.mappings.set(uuid, mapping);
    const answer = { ...mapping.config };
    setImmediate(() => this.settle(mapping, enabled));
    return answer;
  }

  /** Starts or stops the pollers and sets the state they give. */
  settle(mapping, enabled) {
    if (mapping.deleting) return;
    mapping.enabled = enabled;
    mapping.config.State = enabled ? "Enabled" : "Disabled";
    if (enabled && mapping.running.length === 0) {
      mapping.generation = (mapping.generation ?? 0) + 1;
      for (let i = 0; i < this.pollerCount; i++) mapping.running.push(this.poll(mapping, mapping.generation));
    }
  }

  list(region, input) {
    let all = [...this.mappings.values()].filter((m) => m.region === region);
    if (input.FunctionName) {
      const fn = this.functions.tryFind(region, input.FunctionName);
      const name = fn?.config.FunctionName ?? input.FunctionName;
      all = all.filter((m) => m.functionKey === `${region}/${name}`);
    }
    if (input.EventSourceArn) all = all.filter((m) => m.config.EventSourceArn === input.EventSourceArn);
    const start = Number(input.Marker ?? 0) || 0;
    const size = input.MaxItems ?? 100;
    const page = all.slice(start, start + size);
    return { EventSourceMappings: page.map((m) => m.config), NextMarker: start + size < all.length ? String(start + size) : undefined };
  }

  async update(input) {
    const mapping = this.find(input.UUID);
    if (mapping.deleting) throw new ApiError("ResourceInUseException", `The mapping ${input.UUID} is being deleted.`, 400);
    for (const key of ["BatchSize", "MaximumBatchingWindowInSeconds", "FunctionResponseTypes"]) {
      if (input[key] !== undefined) mapping.config[key] = input[key];
    }
    if (mapping.config.BatchSize > 10 && mapping.config.MaximumBatchingWindowInSeconds < 1) {
      throw invalid("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10");
    }
    const enabled = input.Enabled ?? mapping.enabled;
    mapping.config.State = enabled === mapping.enabled ? "Updating" : enabled ? "Enabling" : "Disabling";
    mapping.config.LastModified = new Date();
    const answer = { ...mapping.config };
    if (!enabled) await this.stop(mapping);
    setImmediate(() => this.settle(mapping, enabled));
    return answer;
  }

  async stop(mapping) {
    mapping.enabled = false;
    mapping.generation = (mapping.generation ?? 0) + 1;
    const running = mapping.running;
    mapping.running = [];
    await Promise.all(running);
  }

  delete(input) {
    const mapping = this.find(input.UUID);
    mapping.deleting = true;
    mapping.config.State = "Deleting";
    const answer = { ...mapping.config };
    // Gone once its pollers have stopped, as a mapping in Lambda stays 'Deleting' for a while.
    this.stop(mapping).finally(() => this.mappings.delete(input.UUID));
    return answer;
  }

  async stopAll() {
    await Promise.all([...this.mappings.values()].map((m) => this.stop(m)));
  }

  async poll(mapping, generation) {
    const live = () => mapping.generation === generation && mapping.enabled && !mapping.deleting;
    const { region, url } = mapping.queue;
    while (live()) {
      const fn = this.functions.functions.get(mapping.functionKey);
      if (!fn) { await sleep(500); continue; }
      let batch;
      try {
        batch = await this.collect(mapping, live);
      } catch (e) {
        mapping.config.LastProcessingResult = `PROBLEM: ${e.code ?? "SQS"}: ${e.message}`;
        await sleep(1000);
        continue;
      }
      if (batch.length === 0) continue;
      const event = JSON.stringify({ Records: batch.map((m) => sqsRecord(m, mapping.config.EventSourceArn, region)) });
      let result;
      try {
        result = await this.invoke(fn, event);
      } catch (e) {
        // The function went away or could not start: the batch stays on the queue, as after an error.
        mapping.config.LastProcessingResult = `PROBLEM: ${e.message}`;
        this.log(`mapping ${mapping.config.UUID}: ${e.message}`);
        await sleep(1000);
        continue;
      }
      if (result.FunctionError) {
        mapping.config.LastProcessingResult = "PROBLEM: Function call failed";
        this.log(`mapping ${mapping.config.UUID}: function error, ${batch.length} message(s) left on the queue`);
        continue;
      }
      const failed = mapping.config.FunctionResponseTypes.includes("ReportBatchItemFailures") ? failedIds(result.Payload, batch) : new Set();
      const done = failed === null ? [] : batch.filter((m) => !failed.has(m.MessageId));
      try {
        if (done.length) await this.sqs.deleteBatch(region, url, done);
        mapping.config.LastProcessingResult = "OK";
      } catch (e) {
        mapping.config.LastProcessingResult = `PROBLEM: ${e.code ?? "SQS"}: ${e.message}`;
      }
    }
  }

  /** Invokes with the batch; while the function is throttled Lambda holds the batch and tries again. */
  async invoke(fn, event) {
    for (;;) {
      try {
        return await this.functions.run(fn, event);
      } catch (e) {
        if (e.type !== "TooManyRequestsException") throw e;
        await sleep(200);
      }
    }
  }

  /** Up to BatchSize messages: the first receive long-polls; a batching window keeps gathering until full or the window ends. */
  async collect(mapping, live) {
    const { region, url } = mapping.queue;
    const size = mapping.config.BatchSize;
    const windowMs = mapping.config.MaximumBatchingWindowInSeconds * 1000;
    const batch = [];
    let deadline = null;
    while (batch.length < size && live()) {
      const wait = deadline === null ? this.waitSeconds : Math.max(0, Math.min(this.waitSeconds, Math.ceil((deadline - Date.now()) / 1000)));
      batch.push(...(await this.sqs.receive(region, url, Math.min(10, size - batch.length), wait)));
      if (batch.length === 0) return batch;
      if (windowMs === 0) break;
      deadline ??= Date.now() + windowMs;
      if (Date.now() >= deadline) break;
    }
    return batch;
  }
}
