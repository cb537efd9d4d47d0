// AWS Signature Version 4 over node:crypto, written from AWS's published algorithm and independent of
// the .NET client's signer: the fixture verifies every request with it, so a client and this fixture
// cannot agree only by sharing a mistake (awscli, whose signer is botocore's, is checked against it too).
// It also signs the fixture's own SQS calls.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const ALGORITHM = "AWS4-HMAC-SHA256";

export const sha256Hex = (data) => createHash("sha256").update(data).digest("hex");
const hmac = (key, data) => createHmac("sha256", key).update(data).digest();

/** RFC 3986 percent-encoding of every byte but the unreserved characters (and '/' when kept). */
export function uriEncode(text, keepSlash = false) {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === "/")) out += c;
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** The canonical query: each name and value decoded as sent, encoded again, sorted by name then value. */
export function canonicalQuery(rawQuery) {
  if (!rawQuery) return "";
  const pairs = rawQuery.split("&").filter((p) => p.length > 0).map((p) => {
    const i = p.indexOf("=");
    const name = i < 0 ? p : p.slice(0, i);
    const value = i < 0 ? "" : p.slice(i + 1);
    const decode = (s) => decodeURIComponent(s.replace(/\+/g, "%20"));
    return [uriEncode(decode(name)), uriEncode(decode(value))];
  });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join("&");
}

/** A header's canonical value: every value of that name in order, trimmed, inner runs of spaces collapsed, joined by ','. */
const canonicalValue = (values) => values.map((v) => v.trim().replace(/\s+/g, " ")).join(",");

/**
 * The canonical request of a request as it came: method, the path as sent (encoded once more, as for
 * every service but S3), the canonical query, the signed headers and the payload's hash.
 */
export function canonicalRequest({ method, rawPath, rawQuery, headerValues, signedHeaders, payloadHash }) {
  const headers = signedHeaders.map((name) => `${name}:${canonicalValue(headerValues(name))}\n`).join("");
  return [method.toUpperCase(), uriEncode(rawPath || "/", true), canonicalQuery(rawQuery), headers, signedHeaders.join(";"), payloadHash].join("\n");
}

export function signingKey(secret, date, region, service) {
  return hmac(hmac(hmac(hmac("AWS4" + secret, date), region), service), "aws4_request");
}

export function stringToSign(amzDate, scope, canonical) {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join("\n");
}

/** Parses 'AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…'; null when it is not of that form. */
export function parseAuthorization(header) {
  if (!header || !header.startsWith(ALGORITHM + " ")) return null;
  const parts = {};
  for (const piece of header.slice(ALGORITHM.length + 1).split(",")) {
    const i = piece.indexOf("=");
    if (i > 0) parts[piece.slice(0, i).trim()] = piece.slice(i + 1).trim();
  }
  return parts;
}

/** Whether two hex signatures are equal, in time independent of where they differ. */
export function sameSignature(a, b) {
  const x = Buffer.from(a ?? "", "utf8");
  const y = Buffer.from(b ?? "", "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The x-amz-date form of a time: 20150830T123600Z. */
export const amzDate = (time) => time.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");

/**
 * Signs an outgoing request (the fixture's SQS calls): returns the headers to send, Authorization
 * included. `url` is a URL; `headers` are lowercase names.
 */
export function signRequest({ method, url, headers, body, credentials, region, service, time = new Date() }) {
  const all = { ...headers, host: url.host, "x-amz-date": amzDate(time) };
  const names = Object.keys(all).map((n) => n.toLowerCase()).sort();
  const canonical = canonicalRequest({
    method,
    rawPath: url.pathname,
    rawQuery: url.search.replace(/^\?/, ""),
    headerValues: (name) => [String(all[name])],
    signedHeaders: names,
    payloadHash: sha256Hex(body ?? ""),
  });
  const date = all["x-amz-date"].slice(0, 8);
  const scope = `${date}/${region}/${service}/aws4_request`;
  const signature = hmac(signingKey(credentials.secretAccessKey, date, region, service), stringToSign(all["x-amz-date"], scope, canonical)).toString("hex");
  return { ...all, authorization: `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}` };
}

export function signatureOf(secret, date, region, service, toSign) {
  return hmac(signingKey(secret, date, region, service), toSign).toString("hex");
}
