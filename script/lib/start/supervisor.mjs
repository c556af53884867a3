// Runs the services of `npm start` as child processes: each in its own process group (a terminal's
// Ctrl+C reaches only the supervisor, which then stops every service exactly once, in order),
// restarted with back-off when it crashes, and never restarted after a configuration error (exit 2).
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PARENT_WATCH = pathToFileURL(fileURLToPath(new URL('./parent-watch.mjs', import.meta.url))).href;

const CONFIG_ERROR = 2;

/** Signals a whole process group (the service and anything it spawned: arecord, ffmpeg). */
function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if (err.code !== 'ESRCH') throw err;
  }
}

export class Supervisor {
  /** @param {{ log: (msg: string) => void, onFatal: (name: string, code: number) => void }} opts */
  constructor(opts) {
    this.log = opts.log;
    this.onFatal = opts.onFatal;
    this.children = new Map();
    this.stopping = false;
  }

  /** Starts `node <main> ...args` as service `name` with this environment; restarts it if it crashes. */
  start(name, main, args, env) {
    const entry = { name, main, args, env, child: null, exited: null, delayMs: 1000, startedAt: 0 };
    this.children.set(name, entry);
    this.#spawn(entry);
  }

  #spawn(entry) {
    entry.startedAt = Date.now();
    // stdin: a pipe that ends when this process dies, so an orphaned service stops itself (parent-watch.mjs)
    const child = spawn(process.execPath, ['--import', PARENT_WATCH, entry.main, ...entry.args], {
      env: entry.env,
      stdio: ['pipe', 'inherit', 'inherit'],
      detached: true,
    });
    entry.child = child;
    entry.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        killGroup(child.pid, 'SIGKILL'); // leftovers of the group (a child's own children)
        resolve({ code, signal });
        if (this.stopping) return;
        if (code === CONFIG_ERROR) {
          this.log(`${entry.name} exited with a configuration error (status 2): not restarting`);
          this.onFatal(entry.name, CONFIG_ERROR);
          return;
        }
        if (Date.now() - entry.startedAt > 60_000) entry.delayMs = 1000; // it ran a while: start over
        this.log(`${entry.name} exited (${signal ?? `status ${code}`}); restarting in ${entry.delayMs / 1000} s`);
        const t = setTimeout(() => {
          if (!this.stopping) this.#spawn(entry);
        }, entry.delayMs);
        t.unref?.();
        entry.delayMs = Math.min(entry.delayMs * 2, 30_000);
      });
    });
    child.once('error', (err) => this.log(`${entry.name}: cannot start: ${err.message}`));
  }

  /** SIGTERM to the named services (all at once), waiting up to timeoutMs before SIGKILL. */
  async stop(names, timeoutMs) {
    this.stopping = true;
    await Promise.all(
      names.map(async (name) => {
        const e = this.children.get(name);
        if (!e?.child || e.child.exitCode !== null || e.child.signalCode !== null) return;
        e.child.kill('SIGTERM');
        const t = setTimeout(() => {
          this.log(`${name} did not stop within ${timeoutMs / 1000} s: killing it`);
          killGroup(e.child.pid, 'SIGKILL');
        }, timeoutMs);
        const { code, signal } = await e.exited;
        clearTimeout(t);
        if (code !== 0) this.log(`${name} stopped (${signal ?? `status ${code}`})`);
      }),
    );
  }
}
