import { CanonicalJsonError } from './errors.js';

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Writes a JSON value as RFC 8785 (JSON Canonicalization Scheme) text: no whitespace, object members sorted
 * by the UTF-16 code units of their names, numbers in the ECMAScript shortest round-trip form, strings with
 * the minimal JSON escapes. Object members whose value is `undefined` are left out, as `JSON.stringify` does;
 * anything else that is not plain JSON throws {@link CanonicalJsonError}.
 *
 * @example
 * canonicalizeJson({ b: 1e21, a: [true, null, 'é'] }) // '{"a":[true,null,"é"],"b":1e+21}'
 */
export function canonicalizeJson(value: unknown): string {
  const parts: string[] = [];
  write(value, '', parts, new Set());
  return parts.join('');
}

function write(value: unknown, path: string, out: string[], ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
      if (loneSurrogate.test(value))
        throw new CanonicalJsonError(path, 'string holds a lone UTF-16 surrogate');
      // ECMAScript string serialization is exactly the escaping RFC 8785 prescribes (section 3.2.2.2).
      out.push(JSON.stringify(value));
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, `${value} is not a JSON number`);
      // Number.prototype.toString is the serialization RFC 8785 adopts (section 3.2.2.3); -0 becomes 0.
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'object':
      break;
    default:
      throw new CanonicalJsonError(
        path,
        value === undefined ? 'undefined is not JSON' : `a ${typeof value} is not JSON`,
      );
  }
  if (value === null) {
    out.push('null');
    return;
  }
  if (ancestors.has(value)) throw new CanonicalJsonError(path, 'circular reference');
  ancestors.add(value);
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      // An undefined item is refused by write (JSON.stringify would have written null).
      write(value[i], `${path}[${i}]`, out, ancestors);
    }
    out.push(']');
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new CanonicalJsonError(
        path,
        `a ${proto.constructor?.name ?? 'class'} instance is not plain JSON`,
      );
    }
    const record = value as Record<string, unknown>;
    // The default sort compares UTF-16 code units, the order RFC 8785 (section 3.2.3) requires.
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort();
    out.push('{');
    keys.forEach((key, i) => {
      const childPath = path === '' ? key : `${path}.${key}`;
      if (loneSurrogate.test(key))
        throw new CanonicalJsonError(childPath, 'member name holds a lone UTF-16 surrogate');
      if (i > 0) out.push(',');
      out.push(JSON.stringify(key), ':');
      write(record[key], childPath, out, ancestors);
    });
    out.push('}');
  }
  ancestors.delete(value);
}
