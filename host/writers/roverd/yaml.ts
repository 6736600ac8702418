/** What `toYaml` writes: scalars, strings, lists and maps of them. */
export type YamlValue = string | number | boolean | null | readonly YamlValue[] | YamlMap;
export interface YamlMap {
  readonly [key: string]: YamlValue;
}

/**
 * A YAML document for `map`: one `key: value` line per entry, nested maps indented, lists and maps inside lists in
 * flow style. Every string (keys too) is double-quoted, so none can turn into a number, a bool or syntax.
 */
export function toYaml(map: YamlMap): string {
  const lines = block(map, '');
  return lines.length === 0 ? '{}\n' : `${lines.join('\n')}\n`;
}

function block(map: YamlMap, indent: string): string[] {
  return Object.entries(map).flatMap(([key, value]) => {
    if (isMap(value) && Object.keys(value).length > 0) return [`${indent}${quote(key)}:`, ...block(value, `${indent}  `)];
    return [`${indent}${quote(key)}: ${flow(value)}`];
  });
}

function flow(value: YamlValue): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') return number(value);
  if (typeof value === 'boolean' || value === null) return String(value);
  if (isMap(value)) return `{${Object.entries(value).map(([k, v]) => `${quote(k)}: ${flow(v)}`).join(', ')}}`;
  return `[${value.map(flow).join(', ')}]`;
}

function isMap(value: YamlValue): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** YAML 1.1 (PyYAML) reads a float only with a "." in it: 1e+21 would load as a string. */
function number(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
  const s = String(n);
  return s.includes('e') && !s.includes('.') ? s.replace('e', '.0e') : s;
}

/**
 * Characters written as they are: YAML's printable set minus `"` and `\`, minus the YAML 1.1 line breaks
 * (U+0085, U+2028, U+2029) that a reader would fold, minus the byte-order mark. Everything else is escaped.
 */
const PLAIN = /[\x20-\x21\x23-\x5B\x5D-\x7E\xA0-\u2027\u202A-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD]|[\uD800-\uDBFF][\uDC00-\uDFFF]/y;
const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r' };

function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; ) {
    PLAIN.lastIndex = i;
    const m = PLAIN.exec(s);
    if (m) {
      out += m[0];
      i += m[0].length;
    } else {
      const c = s[i] as string;
      if (c >= '\uD800' && c <= '\uDFFF') throw new RangeError(`cannot write ${JSON.stringify(s)} as YAML: it has a lone UTF-16 surrogate`);
      out += ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      i += 1;
    }
  }
  return `${out}"`;
}
