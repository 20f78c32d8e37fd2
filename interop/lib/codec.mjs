// JSON encoding of values crossing the Rust <-> Node boundary.
//
// Both directions: a JS Date is {"$date": "<ISO-8601 UTC with ms>"}. Going out, object keys whose
// value is undefined are omitted (as JSON.stringify does); a top-level undefined result is told
// apart from null by the caller (see handler.mjs), not here.

/** True when `value` is exactly `{"$date": <string>}`. */
function isDateEnvelope(value) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === "$date";
}

/**
 * Turns decoded JSON into adapter arguments: every `{"$date": iso}` (at any depth) becomes a Date.
 * Throws on a `$date` that is not a string or does not parse, so a typo never becomes "Invalid Date".
 */
export function decodeValue(value) {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (value === null || typeof value !== "object") return value;
  if (isDateEnvelope(value)) {
    const iso = value.$date;
    if (typeof iso !== "string") throw new TypeError(`$date must be a string, got ${typeof iso}`);
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) throw new TypeError(`$date is not a valid date: ${JSON.stringify(iso)}`);
    return date;
  }
  const out = {};
  for (const [key, inner] of Object.entries(value)) out[key] = decodeValue(inner);
  return out;
}

/**
 * Turns an adapter's return value into plain JSON: Dates become `{"$date": iso}` (at any depth),
 * keys whose value is undefined are dropped, bigints become decimal strings, non-finite numbers
 * (NaN, e.g. @auth/pg-adapter's `parseInt(null)`) become null as JSON.stringify would write them.
 * Throws on an invalid Date (it has no ISO form) and on functions/symbols.
 */
export function encodeValue(value) {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError("result contains an Invalid Date");
    return { $date: value.toISOString() };
  }
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "bigint":
      return value.toString();
    case "object":
      break;
    default:
      throw new TypeError(`cannot encode a ${typeof value} in a result`);
  }
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : encodeValue(item)));
  if (ArrayBuffer.isView(value)) throw new TypeError("cannot encode binary data in a result");
  const out = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined) continue;
    out[key] = encodeValue(inner);
  }
  return out;
}
