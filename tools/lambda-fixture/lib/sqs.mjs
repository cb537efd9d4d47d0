// The few SQS calls an event-source mapping makes, in SQS's JSON protocol, signed with SigV4 for the
// queue's region (fauxqs, like SQS, takes the region from the credential scope). Small enough that
// the fixture needs no SDK.
import { signRequest } from "./sigv4.mjs";

export class SqsError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export class SqsClient {
  constructor(endpoint, credentials) {
    this.endpoint = new URL(endpoint);
    this.credentials = credentials;
  }

  async call(region, action, body) {
    const text = JSON.stringify(body);
    const headers = signRequest({
      method: "POST",
      url: this.endpoint,
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `AmazonSQS.${action}` },
      body: text,
      credentials: this.credentials,
      region,
      service: "sqs",
    });
    delete headers.host; // fetch sets it from the URL, as signed
    const response = await fetch(this.endpoint, { method: "POST", headers, body: text });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) {
      const code = String(json.__type ?? json.code ?? response.status).split("#").pop();
      throw new SqsError(code, json.message ?? json.Message ?? `SQS ${action} failed with ${response.status}`);
    }
    return json;
  }

  /** The URL of the queue an ARN (arn:aws:sqs:<region>:<account>:<name>) names. */
  async queueUrl(region, name) {
    return (await this.call(region, "GetQueueUrl", { QueueName: name })).QueueUrl;
  }

  async attributes(region, url, names) {
    return (await this.call(region, "GetQueueAttributes", { QueueUrl: url, AttributeNames: names })).Attributes ?? {};
  }

  async receive(region, url, max, waitSeconds) {
    const result = await this.call(region, "ReceiveMessage", {
      QueueUrl: url,
      MaxNumberOfMessages: max,
      WaitTimeSeconds: waitSeconds,
      AttributeNames: ["All"],
      MessageSystemAttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    });
    return result.Messages ?? [];
  }

  async deleteBatch(region, url, messages) {
    for (let i = 0; i < messages.length; i += 10) {
      const entries = messages.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle }));
      await this.call(region, "DeleteMessageBatch", { QueueUrl: url, Entries: entries });
    }
  }
}
