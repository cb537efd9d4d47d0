// The fixture's own parts on their own: its SigV4 against AWS's test suite vectors (the same ones
// the .NET signer is pinned to, here through independent code), its model-driven validation and
// its reading of batchItemFailures. Run with: node --test tools/lambda-fixture/test
import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalRequest, sha256Hex, signatureOf, stringToSign } from "../lib/sigv4.mjs";
import { findOperation, loadModel, parseInput, validate } from "../lib/model.mjs";
import { failedIds } from "../lib/event-sources.mjs";

const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SCOPE = "20150830/us-east-1/service/aws4_request";

function suiteSignature(method, rawPath, rawQuery, extra = {}, body = "") {
  const headers = { host: "example.amazonaws.com", "x-amz-date": "20150830T123600Z", ...extra };
  const signed = Object.keys(headers).sort();
  const canonical = canonicalRequest({ method, rawPath, rawQuery, headerValues: (n) => [headers[n]], signedHeaders: signed, payloadHash: sha256Hex(body) });
  return signatureOf(SECRET, "20150830", "us-east-1", "service", stringToSign("20150830T123600Z", SCOPE, canonical));
}

test("SigV4 suite: get-vanilla", () => {
  assert.equal(suiteSignature("GET", "/", ""), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
});

test("SigV4 suite: get-vanilla-query-order-key-case", () => {
  assert.equal(suiteSignature("GET", "/", "Param2=value2&Param1=value1"), "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
});

test("SigV4 suite: post-x-www-form-urlencoded", () => {
  assert.equal(suiteSignature("POST", "/", "", { "content-type": "application/x-www-form-urlencoded" }, "Param1=value1"),
    "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
});

test("SigV4 suite: get-header-value-trim", () => {
  assert.equal(suiteSignature("GET", "/", "", { "my-header1": " value1", "my-header2": ' "a   b   c"' }),
    "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
});

const api = loadModel();

function input(method, path, body, query = "") {
  const found = findOperation(api, method, path, new URLSearchParams(query));
  const value = parseInput(api, found.op, { labels: found.labels, query: new URLSearchParams(query), headers: {}, body: Buffer.from(body) });
  return { found, value };
}

test("routes by the model's method and requestUri, labels decoded", () => {
  assert.equal(findOperation(api, "GET", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af", new URLSearchParams()).labels.FunctionName,
    "arn:aws:lambda:us-east-1:000000000000:function:f");
  assert.equal(findOperation(api, "GET", "/2015-03-31/functions/", new URLSearchParams()).name, "ListFunctions");
  assert.equal(findOperation(api, "POST", "/2015-03-31/functions/f/invocations", new URLSearchParams()).name, "Invoke");
  assert.ok(["GetFunction", "DeleteFunction"].includes(findOperation(api, "PATCH", "/2015-03-31/functions/f", new URLSearchParams()).methodNotAllowed));
});

test("validates against the input shape with AWS's messages", () => {
  const { found, value } = input("POST", "/2015-03-31/functions", JSON.stringify({ FunctionName: "f", Role: "arn:aws:iam::000000000000:role/r", Code: {}, MemorySize: 64, Runtime: "cobol" }));
  assert.throws(() => validate(api, found.op, value), (e) => e.type === "ValidationException" &&
    e.message.startsWith("2 validation errors detected: ") &&
    e.message.includes("Value 'cobol' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [") &&
    e.message.includes("Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"));
  const missing = input("POST", "/2015-03-31/functions", "{}");
  assert.throws(() => validate(api, missing.found.op, missing.value), /Value null at 'functionName' failed to satisfy constraint: Member must not be null/);
  const badKey = input("POST", "/2015-03-31/functions", JSON.stringify({ FunctionName: "f", Role: "arn:aws:iam::000000000000:role/r", Code: {}, Environment: { Variables: { "1x": "v" } } }));
  assert.throws(() => validate(api, badKey.found.op, badKey.value), /at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: \[Member must satisfy regular expression pattern/);
});

test("a value of the wrong JSON type is refused as the request body AWS cannot parse", () => {
  assert.throws(() => input("POST", "/2015-03-31/functions", JSON.stringify({ FunctionName: "f", MemorySize: "big" })), (e) => e.type === "InvalidRequestContentException");
});

test("batchItemFailures are read as Lambda reads them", () => {
  const batch = [{ MessageId: "a" }, { MessageId: "b" }];
  assert.deepEqual([...failedIds("", batch)], []);
  assert.deepEqual([...failedIds("null", batch)], []);
  assert.deepEqual([...failedIds('{"batchItemFailures":[]}', batch)], []);
  assert.deepEqual([...failedIds('{"batchItemFailures":[{"itemIdentifier":"b"}]}', batch)], ["b"]);
  assert.equal(failedIds("not json", batch), null);
  assert.equal(failedIds('{"batchItemFailures":[{"itemIdentifier":""}]}', batch), null);
  assert.equal(failedIds('{"batchItemFailures":[{"id":"a"}]}', batch), null);
  assert.equal(failedIds('{"batchItemFailures":[{"itemIdentifier":"zzz"}]}', batch), null);
});
