import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isValidSourceName } from '@isr/contract';
import {
  ConfigError,
  isProblem,
  loadConfig,
  openFilesOf,
  str,
  verifySource,
  type VerifyReport,
  type VerifyStatus,
} from '@isr/runtime';
import type { Output } from './cli.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `isr verify`: reads the configuration as the services do (`--config FILE` or the one positional argument, else
 * ISR_CONFIG, else ./config.ini), then for each source (`--source S`, or every configured source and every source
 * directory found under the recordings roots) walks its manifests' hash chain and re-hashes its files
 * (packages/runtime verify-archive.ts). Prints one line per file — `ok`, `modified`, `missing`, `unexpected`,
 * `chain-broken` (with the manifest line), `deleted`, `open`, `torn` — and a summary; exit status 1 on any problem.
 */
export async function verifyCommand(
  argv: readonly string[],
  o: Output,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  usage: string,
): Promise<number> {
  let values: { config?: string; source?: string; from?: string; to?: string; quiet?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string' },
        source: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    o.err(`isr verify: ${(err as Error).message}\n${usage}`);
    return 2;
  }
  const problems: string[] = [];
  if (positionals.length > 1 || (positionals.length === 1 && values.config !== undefined))
    problems.push('one configuration file only (--config FILE or CONFIG.ini)');
  for (const k of ['from', 'to'] as const)
    if (values[k] !== undefined && !DAY.test(values[k]))
      problems.push(`--${k} must be a day, YYYY-MM-DD (got ${JSON.stringify(values[k])})`);
  if (values.source !== undefined && !isValidSourceName(values.source))
    problems.push(`--source ${JSON.stringify(values.source)} is not a source name (letters, digits, - and _)`);
  if (problems.length) {
    o.err(`isr verify: ${problems.join('; ')}\n${usage}`);
    return 2;
  }
  const file = values.config ?? positionals[0];
  let config;
  try {
    config = loadConfig({ service: 'segmenter', argv: file !== undefined ? ['--config', file] : [], env, cwd });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    o.err(`isr verify: ${err.message}`);
    return 2;
  }
  const generalRoot = str(config.general, 'output_directory');
  const rootOf = (source: string): string => {
    const s = config.sources.find((x) => x.name === source);
    return s ? str(s.settings, 'output_directory') : generalRoot;
  };
  let sources: string[];
  if (values.source !== undefined) sources = [values.source];
  else {
    const found = new Set(config.sources.map((s) => s.name));
    for (const root of new Set([generalRoot, ...config.sources.map((s) => str(s.settings, 'output_directory'))])) {
      const names = await readdir(root, { withFileTypes: true }).catch(() => []);
      for (const d of names)
        if (d.isDirectory() && isValidSourceName(d.name) && rootOf(d.name) === root) found.add(d.name);
    }
    sources = [...found].sort();
  }
  const open = await openFilesOf(join(generalRoot, '.isr', 'segmenter'), sources);
  const counts = new Map<VerifyStatus, number>();
  for (const source of sources) {
    const reports = await verifySource({
      root: rootOf(source),
      source,
      open,
      ...(values.from ? { from: values.from } : {}),
      ...(values.to ? { to: values.to } : {}),
    });
    for (const r of reports) {
      counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
      if (!values.quiet || isProblem(r.status)) o.out(line(r));
    }
  }
  const bad = [...counts].filter(([s]) => isProblem(s)).reduce((a, [, n]) => a + n, 0);
  const summary =
    [...counts]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([s, n]) => `${n} ${s}`)
      .join(', ') || 'nothing to verify';
  o.out(
    `isr verify: ${sources.length} source${sources.length === 1 ? '' : 's'}: ${summary} — ${bad ? `${bad} problem${bad === 1 ? '' : 's'}` : 'no problems'}`,
  );
  return bad ? 1 : 0;
}

function line(r: VerifyReport): string {
  const where = r.entry !== undefined ? `${r.path} entry ${r.entry}` : r.path;
  return `${r.status.padEnd(12)} ${where}${r.detail ? `  (${r.detail})` : ''}`;
}
