import { python } from '../support/tools.js';

/**
 * What dclab 0.71 requires of an .rtdc (dclab/definitions/meta_const.py, rtdc_dataset/check.py), as CI can check it
 * with h5py: every root attribute a known key of its section with the type dclab converts it to (another type
 * makes dclab warn), and the keys its integrity check counts a violation when missing.
 */
export const DCLAB_TYPES: Record<string, 'int64' | 'float64' | 'str'> = {
  'experiment:date': 'str', 'experiment:event count': 'int64', 'experiment:run index': 'int64', 'experiment:run identifier': 'str', 'experiment:sample': 'str', 'experiment:time': 'str', 'experiment:timestamp': 'float64',
  'imaging:flash device': 'str', 'imaging:flash duration': 'float64', 'imaging:frame rate': 'float64', 'imaging:pixel size': 'float64',
  'imaging:roi position x': 'int64', 'imaging:roi position y': 'int64', 'imaging:roi size x': 'int64', 'imaging:roi size y': 'int64',
  'setup:channel width': 'float64', 'setup:chip identifier': 'str', 'setup:chip region': 'str', 'setup:flow rate': 'float64', 'setup:flow rate sample': 'float64', 'setup:flow rate sheath': 'float64',
  'setup:identifier': 'str', 'setup:medium': 'str', 'setup:module composition': 'str', 'setup:software version': 'str', 'setup:temperature': 'float64',
};
export const IMPORTANT_KEYS = [
  'experiment:date', 'experiment:event count', 'experiment:run index', 'experiment:sample', 'experiment:time',
  'imaging:flash device', 'imaging:flash duration', 'imaging:frame rate', 'imaging:pixel size', 'imaging:roi position x', 'imaging:roi position y', 'imaging:roi size x', 'imaging:roi size y',
  'setup:channel width', 'setup:chip region', 'setup:flow rate', 'setup:medium',
];
/** The user's setup: what a lab gives omvd (README), so that dclab's check finds no violation. */
export const SETUP_META = ['imaging:flash device=LED', 'imaging:flash duration=2', 'imaging:pixel size=0.34', 'setup:channel width=20', 'setup:chip region=Channel', 'setup:flow rate=0.04', 'setup:medium=CellCarrier'];
export const SETUP_KEYS = SETUP_META.map((m) => m.slice(0, m.indexOf('=')));

export interface H5Attrs {
  /** Attribute name → [h5py's type name, value]. */
  attrs: Record<string, [string, unknown]>;
  keys: string[];
}

/** The attributes of the root, or of `group`, and the names in it, as h5py reads them. */
export function h5Attrs(file: string, group = '/'): H5Attrs {
  return JSON.parse(
    python(
      `import h5py, json, sys
f = h5py.File(sys.argv[1], 'r')
g = f[sys.argv[2]]
conv = lambda v: v.item() if hasattr(v, 'item') else (v.decode() if isinstance(v, bytes) else v)
print(json.dumps({'attrs': {k: [type(v).__name__, conv(v)] for k, v in g.attrs.items()}, 'keys': sorted(g.keys())}))`,
      file,
      group,
    ),
  );
}

/** The attributes dclab would warn about: unknown keys of its sections, or values of another type. */
export function badAttrs({ attrs }: H5Attrs): string[] {
  return Object.entries(attrs)
    .filter(([name]) => !name.startsWith('user:'))
    .filter(([name, [type]]) => DCLAB_TYPES[name] !== type)
    .map(([name, [type]]) => `${name}: ${type} (dclab: ${DCLAB_TYPES[name] ?? 'no such key'})`);
}
