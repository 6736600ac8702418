import type { AttrValue } from '../writers/hdf5/hdf5-writer.js';

/** dclab metadata by `section:key`, typed as dclab converts each key (bigint: an HDF5 int64). */
export type Meta = Record<string, AttrValue>;

type Kind = 'str' | 'lcstr' | 'float' | 'int';
/**
 * The keys of dclab's experiment, imaging and setup sections (dclab/definitions/meta_const.py, 0.71), with the
 * type dclab converts each to: a value of another type makes dclab warn, an unknown key is dropped with a warning.
 */
const DCLAB_KEYS: Record<string, Record<string, Kind>> = {
  experiment: { date: 'str', 'event count': 'int', 'run index': 'int', 'run identifier': 'str', sample: 'str', time: 'str', timestamp: 'float' },
  imaging: { 'flash device': 'str', 'flash duration': 'float', 'frame rate': 'float', 'pixel size': 'float', 'roi position x': 'int', 'roi position y': 'int', 'roi size x': 'int', 'roi size y': 'int' },
  setup: {
    'channel width': 'float', 'chip identifier': 'lcstr', 'chip region': 'lcstr', 'flow rate': 'float', 'flow rate sample': 'float', 'flow rate sheath': 'float',
    identifier: 'str', medium: 'str', 'module composition': 'str', 'software version': 'str', temperature: 'float',
  },
};
/** What the frames themselves say, so omvd always writes it: a user's value could only contradict the file. */
const OWN_KEYS = ['experiment:event count', 'imaging:roi size x', 'imaging:roi size y'];
/** dclab's integrity check needs these and omvd cannot know them: the user's setup (see the README). */
export const SETUP_KEYS = ['imaging:flash device', 'imaging:flash duration', 'imaging:pixel size', 'setup:channel width', 'setup:chip region', 'setup:flow rate', 'setup:medium'];
const MAX_TEXT = 1024;

type Fail = (message: string) => never;

/**
 * One metadata value as dclab will read it: `section:key` must be a key of dclab's experiment, imaging or setup
 * section, or any `user:` key; numbers are checked (whole numbers where dclab wants integers, > 0 for sizes and
 * rates), text of a number is read as one, `chip region`/`chip identifier` are lower case as dclab stores them.
 */
export function metaValue(name: string, value: unknown, fail: Fail): AttrValue {
  const at = name.indexOf(':');
  const [section, key] = [name.slice(0, at), name.slice(at + 1)];
  if (at <= 0 || !key || key.includes(':')) return fail(`is not a dclab metadata name: give section:key, e.g. setup:medium or user:operator`);
  if (OWN_KEYS.includes(name)) return fail('comes from the frames themselves; omvd writes it');
  if (typeof value === 'boolean') value = String(value);
  if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) return fail(`must be text or a number (got ${JSON.stringify(value)})`);
  if (typeof value === 'string' && value.length > MAX_TEXT) return fail(`is longer than ${MAX_TEXT} characters`);
  if (section === 'user') return typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
  const keys = DCLAB_KEYS[section];
  if (!keys) return fail(`is not in a section omvd writes: experiment, imaging, setup or user`);
  const kind = keys[key];
  if (!kind) return fail(`is not a key of dclab's [${section}] section (it knows: ${Object.keys(keys).join(', ')}); put your own under user:${key}`);
  if (kind === 'str' || kind === 'lcstr') {
    const text = String(value).trim();
    if (!text) return fail('is empty');
    return kind === 'lcstr' ? text.toLowerCase() : text;
  }
  const n = typeof value === 'number' ? value : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) return fail(`must be a number (got ${JSON.stringify(value)})`);
  if (kind === 'int') {
    if (!Number.isSafeInteger(n) || n < 0) return fail(`must be a whole number ≥ 0 (got ${JSON.stringify(value)})`);
    return BigInt(n);
  }
  if (n <= 0 && key !== 'temperature' && key !== 'timestamp') return fail(`must be greater than 0, as dclab checks (got ${JSON.stringify(value)})`);
  return n;
}

/** `setup:medium=water` (a --meta flag) as its name and value. */
export function metaFlag(text: string, fail: Fail): [string, AttrValue] {
  const eq = text.indexOf('=');
  if (eq < 0) return fail(`must be section:key=value, e.g. setup:medium=water (got ${JSON.stringify(text)})`);
  const name = text.slice(0, eq).trim();
  return [name, metaValue(name, text.slice(eq + 1), (m) => fail(`${name} ${m}`))];
}

/** A metadata object (a session file's or the config file's `meta`), each key checked with `fail(key)`. */
export function metaObject(doc: unknown, fail: (key: string) => Fail): Meta {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return fail('')('must be an object of "section:key": value, e.g. {"setup:medium": "water"}');
  return Object.fromEntries(Object.entries(doc).map(([name, value]) => [name, metaValue(name, value, fail(name))]));
}

/** Tags (`{"run": 7}`) as `user:` metadata: whole numbers as int64, other numbers float64, true/false as text. */
export function tagMeta(tags: Readonly<Record<string, string | number | boolean>>): Meta {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`user:${k}`, typeof v === 'number' ? (Number.isSafeInteger(v) ? BigInt(v) : v) : String(v)]));
}
