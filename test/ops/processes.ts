// Helpers shared by the `npm start` tests: the environment start.mjs runs in, and the processes it leaves.
import { readdirSync, readFileSync } from 'node:fs';

/** This environment without what would point start.mjs or its services elsewhere (NATS_*, ISR_*, PORT, METRICS_PORT). */
export function startEnv(): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(NATS_|ISR_)/.test(k) && k !== 'PORT' && k !== 'METRICS_PORT'),
  );
}

/** Every process below pid (children, grandchildren…), from /proc. */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent)
      if (pp === p) {
        out.push(c);
        walk(c);
      }
  };
  walk(pid);
  return out;
}

export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
