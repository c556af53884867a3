// Renders config.example.ini and the configuration-key table of docs/configuration.md from the one key table
// (packages/runtime/src/config/keys). Pure functions; script/lib/gen-config-docs.mjs writes or checks the files.

import type { KeySpec } from '../../packages/runtime/src/config/spec.ts';

interface Example {
  name: string;
  type: 'stream' | 'soundcard' | 'tone';
  /** What the example is, as the comment above its section. */
  intro: string;
  set: Record<string, string>;
  /** Shown commented out (section header included): uncomment it to use it. */
  commented?: boolean;
}

const TABLE_BEGIN = /<!-- config-keys:begin[^>]*-->/;
const TABLE_END = '<!-- config-keys:end -->';

const EXAMPLES: readonly Example[] = [
  {
    name: 'radio1',
    type: 'stream',
    intro: '; A stream source: an Icecast/HTTP URL (MP3, AAC, Ogg Vorbis/Opus, FLAC), recorded as received.',
    set: { url: 'http://icecast.example.org:8000/radio1.mp3' },
  },
  {
    name: 'studio',
    type: 'soundcard',
    intro:
      '; A soundcard source: through the dsnoop device `shared_mic` of asound.conf, so darkice can share the card.',
    set: { device: 'shared_mic', format: 'flac' },
  },
  {
    name: 'lineup',
    type: 'tone',
    intro:
      '; A line-up tone (the demo of script/server is one): a test signal generated at the pace of the wall clock, to check\n; the chain without a soundcard or network. Uncomment the section (and the keys you change) to record it.',
    set: { format: 'flac' },
    commented: true,
  },
];

function where(k: KeySpec) {
  const types = k.types ? ` (${k.types.join(' and ')} sources)` : '';
  if (k.scope === 'general') return '[general] only';
  if (k.scope === 'source') return `source sections${types}`;
  return `[general] or a source section${types}`;
}

function constraint(k: KeySpec) {
  if (k.type === 'enum') return `one of ${k.values?.join('|')}`;
  if (k.type === 'port') return 'port';
  if (k.type === 'boolean') return 'true|false';
  const range =
    k.min !== undefined && k.max !== undefined
      ? ` ${k.min}…${k.max}`
      : k.min !== undefined
        ? ` ≥ ${k.min}`
        : k.max !== undefined
          ? ` ≤ ${k.max}`
          : '';
  return `${k.type}${range}`;
}

function comment(k: KeySpec) {
  const extras = [constraint(k), where(k)];
  if (k.env) extras.push(`env ${k.env}`);
  if (k.required) extras.push('required');
  return `; ${k.key}: ${k.doc.replace(/\s+/g, ' ')} [${extras.join('; ')}]`;
}

const shown = (k: KeySpec) => (k.default === undefined ? '' : String(k.default));

/**
 * config.example.ini: [general] with every general/inherited key commented out at its default, then a
 * stream and a soundcard example with their source-only keys. Uncommenting a line changes nothing.
 */
export function renderExampleIni(keys: readonly KeySpec[]): string {
  const types = (keys.find((k) => k.key === 'type')?.values ?? ['stream', 'soundcard']).map((t) => `type = ${t}`);
  const typeList = types.length > 1 ? `${types.slice(0, -1).join(', ')} or ${types.at(-1)}` : types.join('');
  const out: string[] = [
    '; ISR configuration: copy to config.ini (cp config.example.ini config.ini) and edit the sources.',
    '; One file for every service. [general] holds the defaults; every other section is a source',
    `; (${typeList}) and may override the keys marked "or a source section".`,
    '; Each key is listed, commented out, at its default; unknown keys are errors.',
    '; GENERATED from packages/runtime/src/config/keys by `node script/lib/gen-config-docs.mjs --write`.',
    '',
    '[general]',
  ];
  for (const k of keys) {
    if (k.scope === 'source') continue;
    out.push(comment(k), `;${k.key} = ${shown(k)}`, '');
  }
  for (const ex of EXAMPLES) {
    if (!keys.find((k) => k.key === 'type')?.values?.includes(ex.type)) continue;
    const on = ex.commented ? ';' : '';
    out.push(ex.intro, `${on}[${ex.name}]`);
    for (const k of keys) {
      if (k.scope !== 'source' || (k.types && !k.types.includes(ex.type))) continue;
      const value = k.key === 'type' ? ex.type : ex.set[k.key];
      out.push(comment(k), value === undefined ? `;${k.key} = ${shown(k)}` : `${on}${k.key} = ${value}`);
    }
    for (const [key, value] of Object.entries(ex.set)) {
      const k = keys.find((s) => s.key === key);
      if (k && k.scope !== 'source') out.push(`${on}${key} = ${value}`);
    }
    out.push('');
  }
  return out.join('\n');
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The key table (between the config-keys markers of docs/configuration.md).
 */
export function renderKeyTable(keys: readonly KeySpec[]): string {
  const rows = ['| key | default | type | where | env | meaning |', '|---|---|---|---|---|---|'];
  for (const k of keys) {
    const def =
      k.default === undefined ? (k.required ? '(required)' : '') : k.default === '' ? '(empty)' : `\`${k.default}\``;
    rows.push(
      `| \`${k.key}\` | ${cell(def)} | ${cell(constraint(k))} | ${cell(where(k))} | ${k.env ? `\`${k.env}\`` : ''} | ${cell(k.doc)} |`,
    );
  }
  return rows.join('\n');
}

/**
 * docs/configuration.md with the key table between the config-keys markers replaced.
 */
export function spliceDoc(doc: string, keys: readonly KeySpec[]): string {
  const m = TABLE_BEGIN.exec(doc);
  const end = doc.indexOf(TABLE_END);
  if (!m || end < m.index) throw new Error(`docs/configuration.md lacks the markers ${TABLE_BEGIN} … ${TABLE_END}`);
  const start = m.index + m[0].length;
  return `${doc.slice(0, start)}\n${renderKeyTable(keys)}\n${doc.slice(end)}`;
}
