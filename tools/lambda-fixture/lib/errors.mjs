// An error the fixture answers: its type (x-amzn-ErrorType), message and status. Errors the model
// defines take their status and body members from their shape (ResourceNotFoundException: 404 with
// Type and Message; InvalidParameterValueException: 400 with Type and message); others, such as
// ValidationException or the signature errors, give their own status and a {"message"} body.
export class ApiError extends Error {
  constructor(type, message, status, extra = {}) {
    super(message);
    this.type = type;
    this.status = status;
    this.extra = extra; // further members of the error shape (Reason, retryAfterSeconds, …)
  }
}

/** The status, headers and JSON body of an error, shaped by the model's error shape when it has one. */
export function errorResponse(model, error, requestId) {
  const shape = model?.shapes[error.type];
  const headers = { "x-amzn-errortype": error.type, "x-amzn-requestid": requestId, "content-type": "application/json" };
  if (!shape || !shape.exception) {
    return { status: error.status ?? 400, headers, body: JSON.stringify({ message: error.message }) };
  }
  const status = error.status ?? shape.error?.httpStatusCode ?? 400;
  const body = {};
  for (const [name, member] of Object.entries(shape.members ?? {})) {
    const value = name === "Type" ? (status >= 500 ? "Service" : "User")
      : /^message$/i.test(name) ? error.message
      : error.extra[name];
    if (value === undefined) continue;
    if (member.location === "header") headers[member.locationName.toLowerCase()] = String(value);
    else body[name] = value;
  }
  return { status, headers, body: JSON.stringify(body) };
}
