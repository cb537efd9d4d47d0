// AWS's own description of the Lambda API (botocore's lambda/2015-03-31/service-2.json) drives the
// fixture: routes from each operation's method and requestUri, input members read from where the
// model puts them (uri, querystring, header, body, payload), checked against the input shape
// (required, types, enums, lengths, ranges, patterns) with the messages AWS's validation gives, and
// outputs written from the output shape, so only members the model names reach the caller.
import { readFileSync } from "node:fs";
import { ApiError } from "./errors.mjs";

export const DEFAULT_MODEL = "/usr/lib/python3/dist-packages/botocore/data/lambda/2015-03-31/service-2.json";

// Values AWS accepts that Debian's older model (botocore 1.29) does not list yet: provided.al2023
// came in November 2023. Added only where missing, so a newer model is used as it is.
const ADDITIONS = { Runtime: { enum: ["provided.al2023"] } };

export function loadModel(path = DEFAULT_MODEL) {
  const model = JSON.parse(readFileSync(path, "utf8"));
  for (const [shape, add] of Object.entries(ADDITIONS)) {
    const target = model.shapes[shape];
    if (target?.enum) for (const value of add.enum) if (!target.enum.includes(value)) target.enum.push(value);
  }
  const routes = Object.entries(model.operations).map(([name, op]) => route(name, op));
  // The most specific first: literal query requirements, then literal characters of the path.
  routes.sort((a, b) => b.literalQuery.length - a.literalQuery.length || b.literalLength - a.literalLength);
  return { model, shapes: model.shapes, operations: model.operations, routes };
}

function route(name, op) {
  const [path, query = ""] = op.http.requestUri.split("?");
  const labels = [];
  let literalLength = 0;
  const pattern = path.replace(/\/$/, "").split(/(\{[^}]+\})/).map((piece) => {
    const label = /^\{([^}+]+)(\+?)\}$/.exec(piece);
    if (!label) {
      literalLength += piece.length;
      return piece.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
    labels.push(label[1]);
    return label[2] ? "(.+)" : "([^/]+)";
  }).join("");
  const literalQuery = query ? query.split("&").map((p) => p.split("=")) : [];
  return { name, op, method: op.http.method, regex: new RegExp(`^${pattern}/?$`), labels, literalQuery, literalLength };
}

/** The operation a request names and its path labels (decoded); null when none does. */
export function findOperation(api, method, rawPath, query) {
  let pathMatched = null;
  for (const r of api.routes) {
    const m = r.regex.exec(rawPath);
    if (!m || !r.literalQuery.every(([k, v]) => query.get(k) === (v ?? ""))) continue;
    if (r.method !== method) { pathMatched ??= r; continue; }
    const labels = {};
    r.labels.forEach((label, i) => { labels[label] = decodeURIComponent(m[i + 1]); });
    return { name: r.name, op: r.op, labels };
  }
  return pathMatched ? { methodNotAllowed: pathMatched.name } : null;
}

const lowerFirst = (s) => s.charAt(0).toLowerCase() + s.slice(1);

function convert(shape, text, where) {
  switch (shape.type) {
    case "integer": case "long": {
      if (!/^-?\d+$/.test(text)) throw new ApiError("InvalidRequestContentException", `Could not parse ${where} '${text}' as an integer.`);
      return Number(text);
    }
    case "boolean": return text === "true";
    default: return text;
  }
}

/** The operation's input, read from the places the model gives each member. */
export function parseInput(api, op, { labels, query, headers, body }) {
  if (!op.input) return {};
  const shape = api.shapes[op.input.shape];
  const input = {};
  const payload = shape.payload;
  if (payload) {
    const member = shape.members[payload];
    const target = api.shapes[member.shape];
    if (target.type === "blob") input[payload] = body;
    else if (body.length) input[payload] = parseJson(body);
  } else if (Object.values(shape.members).some((m) => !m.location) && body.length) {
    const json = parseJson(body);
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw new ApiError("InvalidRequestContentException", "Could not parse request body into json: the body is not a JSON object.");
    }
    for (const [name, member] of Object.entries(shape.members)) {
      if (!member.location && json[name] !== undefined) input[name] = fromJson(api, api.shapes[member.shape], json[name], lowerFirst(name));
    }
  }
  for (const [name, member] of Object.entries(shape.members)) {
    const target = api.shapes[member.shape];
    if (member.location === "uri" && labels[member.locationName] !== undefined) input[name] = convert(target, labels[member.locationName], member.locationName);
    if (member.location === "querystring") {
      const values = query.getAll(member.locationName);
      if (values.length) input[name] = target.type === "list" ? values : convert(target, values[0], member.locationName);
    }
    if (member.location === "header") {
      const value = headers[member.locationName.toLowerCase()];
      if (value !== undefined) input[name] = convert(target, value, member.locationName);
    }
  }
  return input;
}

function parseJson(body) {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new ApiError("InvalidRequestContentException", `Could not parse request body into json: ${e.message}`);
  }
}

// JSON values to the shape's types: blobs from base64, type mismatches refused as AWS's parser does.
function fromJson(api, shape, value, path) {
  if (value === null) return null;
  const wrong = (type) => new ApiError("InvalidRequestContentException",
    `Could not parse request body into json: Could not parse payload into json: value at '${path}' is not of type ${type}.`);
  switch (shape.type) {
    case "structure": {
      if (typeof value !== "object" || Array.isArray(value)) throw wrong("structure");
      const out = {};
      for (const [name, member] of Object.entries(shape.members ?? {})) {
        if (value[name] !== undefined) out[name] = fromJson(api, api.shapes[member.shape], value[name], `${path}.${lowerFirst(name)}`);
      }
      return out;
    }
    case "list":
      if (!Array.isArray(value)) throw wrong("list");
      return value.map((v, i) => fromJson(api, api.shapes[shape.member.shape], v, `${path}.${i + 1}.member`));
    case "map": {
      if (typeof value !== "object" || Array.isArray(value)) throw wrong("map");
      const out = {};
      for (const [k, v] of Object.entries(value)) out[k] = fromJson(api, api.shapes[shape.value.shape], v, path);
      return out;
    }
    case "string": if (typeof value !== "string") throw wrong("string"); return value;
    case "integer": case "long": if (!Number.isInteger(value)) throw wrong("integer"); return value;
    case "float": case "double": if (typeof value !== "number") throw wrong("number"); return value;
    case "boolean": if (typeof value !== "boolean") throw wrong("boolean"); return value;
    case "blob":
      if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) throw wrong("blob (base64)");
      return Buffer.from(value, "base64");
    case "timestamp": if (typeof value !== "number" && typeof value !== "string") throw wrong("timestamp"); return value;
    default: return value;
  }
}

const patterns = new Map();
function fullMatch(pattern, text) {
  if (!patterns.has(pattern)) {
    let regex;
    try { regex = new RegExp(`^(?:${pattern})$`, "u"); } catch { regex = new RegExp(`^(?:${pattern})$`); }
    patterns.set(pattern, regex);
  }
  return patterns.get(pattern).test(text);
}

/** Checks a value against its shape as AWS's validation does; the failures as AWS words them. */
function check(api, shape, value, path, failures, sensitive) {
  const secret = sensitive || shape.sensitive;
  const shown = (v) => (secret ? "Value" : `Value '${Array.isArray(v) ? `[${v.join(", ")}]` : typeof v === "object" ? JSON.stringify(v) : v}'`);
  const fail = (constraint) => failures.push(`${shown(value)} at '${path}' failed to satisfy constraint: ${constraint}`);
  switch (shape.type) {
    case "structure":
      for (const name of shape.required ?? []) {
        if (value[name] === undefined || value[name] === null) failures.push(`Value null at '${path ? `${path}.` : ""}${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`);
      }
      for (const [name, member] of Object.entries(shape.members ?? {})) {
        if (value[name] !== undefined && value[name] !== null) {
          check(api, api.shapes[member.shape], value[name], `${path ? `${path}.` : ""}${lowerFirst(name)}`, failures, secret);
        }
      }
      return;
    case "list":
      if (shape.min !== undefined && value.length < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value.length > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
      value.forEach((item, i) => item !== null && check(api, api.shapes[shape.member.shape], item, `${path}.${i + 1}.member`, failures, secret));
      return;
    case "map": {
      const keys = Object.keys(value);
      const keyShape = api.shapes[shape.key.shape];
      const keyFailures = [];
      for (const key of keys) check(api, keyShape, key, path, keyFailures, true);
      if (keyFailures.length) {
        const constraint = keyFailures[0].replace(/^.*failed to satisfy constraint: /, "");
        failures.push(`${secret ? "Value" : shown(value)} at '${path}' failed to satisfy constraint: Map keys must satisfy constraint: [${constraint}]`);
      }
      for (const key of keys) if (value[key] !== null) check(api, api.shapes[shape.value.shape], value[key], path, failures, secret);
      return;
    }
    case "string":
      if (shape.min !== undefined && [...value].length < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && [...value].length > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
      if (shape.enum && !shape.enum.includes(value)) fail(`Member must satisfy enum value set: [${shape.enum.join(", ")}]`);
      if (shape.pattern && !fullMatch(shape.pattern, value)) fail(`Member must satisfy regular expression pattern: ${shape.pattern}`);
      return;
    case "integer": case "long": case "float": case "double":
      if (shape.min !== undefined && value < shape.min) fail(`Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value > shape.max) fail(`Member must have value less than or equal to ${shape.max}`);
      return;
    default:
      return;
  }
}

/** Refuses an input that breaks its shape with ValidationException, as AWS does ('1 validation error detected: …'). */
export function validate(api, op, input) {
  if (!op.input) return;
  const failures = [];
  check(api, api.shapes[op.input.shape], input, "", failures, false);
  if (failures.length) {
    const count = failures.length === 1 ? "1 validation error detected" : `${failures.length} validation errors detected`;
    throw new ApiError("ValidationException", `${count}: ${failures.join("; ")}`, 400);
  }
}

// Output values in the model's types: blobs as base64, timestamps as epoch seconds (rest-json).
function toJson(api, shape, value) {
  if (value === undefined || value === null) return undefined;
  switch (shape.type) {
    case "structure": {
      const out = {};
      for (const [name, member] of Object.entries(shape.members ?? {})) {
        if (member.location) continue;
        const v = toJson(api, api.shapes[member.shape], value[name]);
        if (v !== undefined) out[name] = v;
      }
      return out;
    }
    case "list": return value.map((v) => toJson(api, api.shapes[shape.member.shape], v));
    case "map": return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(api, api.shapes[shape.value.shape], v)]));
    case "blob": return Buffer.from(value).toString("base64");
    case "timestamp": return typeof value === "number" ? value : new Date(value).getTime() / 1000;
    default: return value;
  }
}

/** The status, headers and body of an operation's output, written from its output shape. */
export function outputResponse(api, op, output) {
  const status = op.http.responseCode ?? 200;
  if (!op.output) return { status, headers: {}, body: "" };
  const shape = api.shapes[op.output.shape];
  const headers = {};
  let statusCode = status;
  for (const [name, member] of Object.entries(shape.members)) {
    if (output[name] === undefined || output[name] === null) continue;
    if (member.location === "header") headers[member.locationName.toLowerCase()] = String(output[name]);
    if (member.location === "statusCode") statusCode = output[name];
  }
  if (shape.payload) {
    const member = shape.members[shape.payload];
    const value = output[shape.payload];
    if (api.shapes[member.shape].type === "blob") return { status: statusCode, headers, body: value ?? "" };
    return { status: statusCode, headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(toJson(api, api.shapes[member.shape], value) ?? {}) };
  }
  return { status: statusCode, headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(toJson(api, shape, output)) };
}
