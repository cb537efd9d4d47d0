// Verifies the SigV4 signature of every request against the fixture's one credential pair, refusing
// as AWS's front door does: no signature, a malformed one, an unknown key, a wrong scope, a stale
// date or a signature that does not match (with the canonical request and string to sign it expected).
import { ApiError } from "./errors.mjs";
import { canonicalRequest, parseAuthorization, sameSignature, sha256Hex, signatureOf, stringToSign } from "./sigv4.mjs";

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const SKEW_MS = 5 * 60 * 1000; // AWS refuses requests signed more than 5 minutes away from its clock

function headerValues(rawHeaders) {
  const values = new Map();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (!values.has(name)) values.set(name, []);
    values.get(name).push(rawHeaders[i + 1]);
  }
  return values;
}

/** The request's region (from its credential scope) when its signature holds; an ApiError when it does not. */
export function verify(request, body, { accessKeyId, secretAccessKey, service }) {
  const header = request.headers.authorization;
  if (!header) {
    throw new ApiError("MissingAuthenticationTokenException", "Missing Authentication Token", 403);
  }
  const parts = parseAuthorization(header);
  if (!parts || !parts.Credential || !parts.SignedHeaders || !parts.Signature) {
    throw new ApiError("IncompleteSignatureException",
      `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters of the ${"AWS4-HMAC-SHA256"} algorithm. Authorization=${header}`, 400);
  }
  const [keyId, date, region, scopeService, terminator, ...rest] = parts.Credential.split("/");
  if (rest.length || terminator !== "aws4_request" || !date || !region || !scopeService) {
    throw new ApiError("IncompleteSignatureException", `Credential '${parts.Credential}' is not of the form <key>/<yyyyMMdd>/<region>/<service>/aws4_request.`, 400);
  }
  if (keyId !== accessKeyId) {
    throw new ApiError("UnrecognizedClientException", "The security token included in the request is invalid.", 403);
  }
  if (scopeService !== service) {
    throw new ApiError("InvalidSignatureException", `Credential should be scoped to correct service: '${service}'.`, 403);
  }
  if (!REGION.test(region)) {
    throw new ApiError("InvalidSignatureException", `Credential should be scoped to a valid region, not '${region}'.`, 403);
  }
  const signed = parts.SignedHeaders.split(";");
  if (!signed.includes("host")) {
    throw new ApiError("InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.", 403);
  }
  const amzDate = request.headers["x-amz-date"];
  if (!amzDate || !signed.includes("x-amz-date") || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    throw new ApiError("IncompleteSignatureException", "The request must carry a signed X-Amz-Date header of the form yyyyMMddTHHmmssZ.", 400);
  }
  if (amzDate.slice(0, 8) !== date) {
    throw new ApiError("InvalidSignatureException",
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`, 403);
  }
  const signedAt = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (Math.abs(Date.now() - signedAt) > SKEW_MS) {
    throw new ApiError("InvalidSignatureException", `Signature expired: ${amzDate} is more than 5 minutes from the fixture's time ${new Date().toISOString()}.`, 403);
  }
  const values = headerValues(request.rawHeaders);
  const missing = signed.filter((name) => !values.has(name));
  if (missing.length) {
    throw new ApiError("InvalidSignatureException", `The request names signed headers it does not carry: ${missing.join(", ")}.`, 403);
  }
  const [rawPath, rawQuery = ""] = request.url.split("?", 2);
  const canonical = canonicalRequest({
    method: request.method,
    rawPath,
    rawQuery,
    headerValues: (name) => values.get(name),
    signedHeaders: signed,
    payloadHash: sha256Hex(body),
  });
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = stringToSign(amzDate, scope, canonical);
  if (!sameSignature(signatureOf(secretAccessKey, date, region, service, toSign), parts.Signature)) {
    throw new ApiError("InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. " +
      `Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'${canonical}'\n\nThe String-to-Sign should have been\n'${toSign}'\n`, 403);
  }
  return region;
}
