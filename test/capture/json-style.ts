import { isAbsolute } from 'node:path';
import { expect } from 'vitest';

/** Keys whose string values (or arrays of strings) are filesystem paths, and so must be absolute. */
const PATH_KEYS = new Set(['path', 'paths', 'source', 'root', 'dir', 'file', 'files', 'port', 'ports', 'left', 'session']);

/**
 * The one JSON style every `omvd … --json` follows: exactly one line on stdout, `{"ok": true|false, …}`; a failure
 * adds `"error": {"code", "message"}`; every path is absolute; every item that failed carries a `code` (E…) and an
 * `error` sentence. Returns the parsed object for further checks.
 */
export function expectJsonStyle(stdout: string): Record<string, unknown> & { ok: boolean } {
  expect(stdout.endsWith('\n'), `stdout must end with one newline: ${JSON.stringify(stdout.slice(-200))}`).toBe(true);
  const lines = stdout.slice(0, -1).split('\n');
  expect(lines, 'stdout must be exactly one JSON line').toHaveLength(1);
  const doc = JSON.parse(lines[0]!) as Record<string, unknown>;
  expect(typeof doc.ok, '"ok" must be a boolean').toBe('boolean');
  if (doc.ok === false) {
    expect(doc.error, 'a failure carries "error": {"code", "message"}').toEqual({ code: expect.stringMatching(/^E[A-Z0-9]+$/), message: expect.stringMatching(/\S/) });
  } else {
    expect(doc.error, 'a success carries no "error"').toBeUndefined();
  }
  walk(doc, '$');
  return doc as Record<string, unknown> & { ok: boolean };
}

function walk(value: unknown, where: string): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, `${where}[${i}]`));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const o = value as Record<string, unknown>;
  if (where !== '$' && where !== '$.error' && ('code' in o || 'error' in o)) {
    expect(o.code, `${where}: a failed item has a "code"`).toMatch(/^E[A-Z0-9]+$/);
    expect(o.error, `${where}: a failed item has an "error" sentence`).toMatch(/\S/);
  }
  for (const [k, v] of Object.entries(o)) {
    if (PATH_KEYS.has(k)) {
      for (const p of Array.isArray(v) ? v : [v]) if (typeof p === 'string') expect(isAbsolute(p), `${where}.${k} must be an absolute path, got ${p}`).toBe(true);
    }
    walk(v, `${where}.${k}`);
  }
}
