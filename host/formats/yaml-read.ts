import { OmvError } from '../../protocol/errors.js';

export class YamlError extends OmvError {
  constructor(where: string, line: number, message: string) {
    super('EYAML', `${where}:${line}: ${message}; omvd reads block mappings and lists of plain, quoted or flow scalars`);
  }
}

type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

interface Line {
  indent: number;
  text: string;
  no: number;
}

/**
 * Reads the YAML a person writes for a config or session file: nested block mappings and `- ` lists, scalars
 * (plain, 'single' or "double" quoted, numbers, true/false, null), `[a, b]` flow lists of scalars, and comments.
 * Anchors, tags, multi-line strings and flow mappings are refused with the line number rather than misread.
 */
export function parseYaml(text: string, where = 'yaml'): Value {
  const lines: Line[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const stripped = stripComment(raw);
    if (stripped.trim() === '' || stripped.trim() === '---') return;
    if (/^\t/.test(stripped)) throw new YamlError(where, i + 1, 'tabs cannot indent YAML');
    lines.push({ indent: stripped.length - stripped.trimStart().length, text: stripped.trim(), no: i + 1 });
  });
  let at = 0;
  const fail = (line: Line, message: string): never => {
    throw new YamlError(where, line.no, message);
  };

  const scalar = (s: string, line: Line): Value => {
    if (/^[&*!|>]/.test(s) || s.startsWith('{')) return fail(line, `"${s}" uses YAML that omvd does not read`);
    if (s.startsWith('[')) {
      if (!s.endsWith(']')) return fail(line, 'a flow list must close on its line');
      const inner = s.slice(1, -1).trim();
      return inner === '' ? [] : splitFlow(inner).map((p) => scalar(p.trim(), line));
    }
    if (s.startsWith('"')) {
      try {
        return JSON.parse(s) as string;
      } catch {
        return fail(line, `bad double-quoted string ${s}`);
      }
    }
    if (s.startsWith("'")) return s.endsWith("'") && s.length >= 2 ? s.slice(1, -1).replaceAll("''", "'") : fail(line, `bad single-quoted string ${s}`);
    if (/^(null|~)$/.test(s) || s === '') return null;
    if (/^(true|false)$/.test(s)) return s === 'true';
    if (/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Number(s);
    return s;
  };

  const block = (indent: number): Value => {
    const first = lines[at]!;
    if (first.text.startsWith('- ') || first.text === '-') {
      const list: Value[] = [];
      while (at < lines.length && lines[at]!.indent === indent && (lines[at]!.text.startsWith('- ') || lines[at]!.text === '-')) {
        const line = lines[at]!;
        const rest = line.text.slice(1).trim();
        if (rest === '') {
          at++;
          list.push(at < lines.length && lines[at]!.indent > indent ? block(lines[at]!.indent) : null);
        } else if (/^[^'"[{][^:]*:(\s|$)/.test(rest)) {
          // "- key: value" starts a mapping whose other keys are indented to the key's column
          lines[at] = { indent: indent + 2, text: rest, no: line.no };
          list.push(block(indent + 2));
        } else {
          list.push(scalar(rest, line));
          at++;
        }
      }
      return list;
    }
    const map: { [key: string]: Value } = {};
    while (at < lines.length && lines[at]!.indent === indent) {
      const line = lines[at]!;
      const m = /^("[^"]*"|'[^']*'|[^:]+?):(\s+(.*))?$/.exec(line.text);
      if (!m) return fail(line, `expected "key: value", got "${line.text}"`);
      const key = String(scalar(m[1]!, line));
      if (Object.hasOwn(map, key)) fail(line, `"${key}" is given twice`);
      at++;
      const rest = m[3]?.trim() ?? '';
      if (rest !== '') map[key] = scalar(rest, line);
      else map[key] = at < lines.length && lines[at]!.indent > indent ? block(lines[at]!.indent) : at < lines.length && lines[at]!.indent === indent && lines[at]!.text.startsWith('- ') ? block(indent) : null;
    }
    return map;
  };

  if (lines.length === 0) return null;
  const value = block(lines[0]!.indent);
  if (at < lines.length) fail(lines[at]!, 'indentation does not match the lines above');
  return value;
}

function stripComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

function splitFlow(s: string): string[] {
  const parts: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ',') {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}
