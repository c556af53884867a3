import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './child.ts';
import { freePort, portOpen } from './ports.ts';
import { waitFor } from './wait.ts';

export interface IcecastHandle {
  /** Listener URL of a mount ("/radio" → http://127.0.0.1:PORT/radio). */
  url(mount: string): string;
  /** icecast://source:PASS@127.0.0.1:PORT/mount, for ffmpeg. */
  sourceUrl(mount: string): string;
  /** Disconnects every listener of a mount (admin/listclients + admin/killclient); resolves with how many. */
  kickListeners(mount: string): Promise<number>;
  /** Sets the ICY StreamTitle of a mount through admin/metadata (updinfo). */
  setTitle(mount: string, title: string): Promise<void>;
  stop(): Promise<void>;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * Starts Debian's icecast2 on a free loopback port with a generated config in a temp dir: burst-size 0 (a new
 * listener gets no replay of old audio), source/admin passwords, logs in the temp dir. Started as root it drops
 * to nobody, so the dir is made writable for nobody.
 */
export async function startIcecast(
  opts: {
    /** Mounts that replay this many bytes to each new listener (Icecast's default is 64 KiB). */ burstMounts?: Record<
      string,
      number
    >;
  } = {},
): Promise<IcecastHandle> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'isr-icecast-'));
  const logdir = join(dir, 'log');
  await mkdir(logdir);
  await chmod(dir, 0o777);
  await chmod(logdir, 0o777);
  const sourcePassword = 'src-' + Math.random().toString(36).slice(2, 10);
  const adminPassword = 'adm-' + Math.random().toString(36).slice(2, 10);
  const asRoot = process.getuid?.() === 0;
  const config = `<icecast>
  <location>isr-test</location>
  <admin>test@localhost</admin>
  <hostname>127.0.0.1</hostname>
  <limits>
    <clients>100</clients><sources>20</sources><queue-size>524288</queue-size>
    <client-timeout>30</client-timeout><header-timeout>15</header-timeout><source-timeout>10</source-timeout>
    <burst-on-connect>0</burst-on-connect><burst-size>0</burst-size>
  </limits>
  <authentication>
    <source-password>${xml(sourcePassword)}</source-password>
    <relay-password>${xml(sourcePassword)}</relay-password>
    <admin-user>admin</admin-user>
    <admin-password>${xml(adminPassword)}</admin-password>
  </authentication>
  <listen-socket><port>${port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
${Object.entries(opts.burstMounts ?? {})
  .map(([mount, bytes]) => `  <mount><mount-name>${xml(mount)}</mount-name><burst-size>${bytes}</burst-size></mount>`)
  .join('\n')}
  <fileserve>1</fileserve>
  <paths>
    <basedir>/usr/share/icecast2</basedir>
    <logdir>${xml(logdir)}</logdir>
    <webroot>/usr/share/icecast2/web</webroot>
    <adminroot>/usr/share/icecast2/admin</adminroot>
  </paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel></logging>
  <security><chroot>0</chroot>${asRoot ? '<changeowner><user>nobody</user><group>nogroup</group></changeowner>' : ''}</security>
</icecast>
`;
  const configFile = join(dir, 'icecast.xml');
  await writeFile(configFile, config);
  await chmod(configFile, 0o644);
  let output = '';
  const child: ChildProcess = spawn('icecast2', ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const errorLog = () => readFile(join(logdir, 'error.log'), 'utf8').catch(() => '');
  try {
    await waitFor(
      `icecast2 on port ${port}`,
      async () => {
        if (child.exitCode !== null)
          throw new Error(`icecast2 exited ${child.exitCode}: ${output} ${await errorLog()}`);
        return portOpen(port);
      },
      10_000,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const baseUrl = `http://127.0.0.1:${port}`;
  const m = (mount: string) => (mount.startsWith('/') ? mount : `/${mount}`);
  const auth = { authorization: 'Basic ' + Buffer.from(`admin:${adminPassword}`).toString('base64') };
  return {
    url: (mount) => `${baseUrl}${m(mount)}`,
    sourceUrl: (mount) => `icecast://source:${sourcePassword}@127.0.0.1:${port}${m(mount)}`,
    async kickListeners(mount) {
      const list = await (
        await fetch(`${baseUrl}/admin/listclients?${new URLSearchParams({ mount: m(mount) })}`, { headers: auth })
      ).text();
      const ids = [...list.matchAll(/<ID>(\d+)<\/ID>/g)].map((x) => x[1]!);
      for (const id of ids)
        await (
          await fetch(`${baseUrl}/admin/killclient?${new URLSearchParams({ mount: m(mount), id })}`, { headers: auth })
        ).text();
      return ids.length;
    },
    async setTitle(mount, title) {
      const q = new URLSearchParams({ mount: m(mount), mode: 'updinfo', song: title });
      const res = await fetch(`${baseUrl}/admin/metadata?${q}`, { headers: auth });
      const body = await res.text();
      if (!res.ok || !/Metadata update successful/i.test(body))
        throw new Error(`icecast metadata update failed: HTTP ${res.status} ${body.slice(0, 200)}`);
    },
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type IcecastFeedCodec = 'mp3' | 'opus' | 'vorbis';

export interface IcecastFeedOptions {
  /** icecast://… (IcecastHandle.sourceUrl). */
  target: string;
  codec: IcecastFeedCodec;
  /** lavfi input instead of the sine, e.g. `anoisesrc=color=pink:sample_rate=44100` (frames that never repeat). */
  lavfi?: string;
}

export interface IcecastFeed {
  stop(): Promise<void>;
  /** Start ffmpeg again (after stop()): a stream drop and return. */
  restart(): Promise<void>;
}

function codecArgs(o: IcecastFeedOptions): string[] {
  switch (o.codec) {
    case 'mp3':
      return ['-c:a', 'libmp3lame', '-b:a', '128k', '-content_type', 'audio/mpeg', '-f', 'mp3'];
    case 'opus':
      return ['-c:a', 'libopus', '-b:a', '64k', '-content_type', 'audio/ogg', '-f', 'ogg'];
    case 'vorbis':
      return ['-c:a', 'libvorbis', '-q:a', '2', '-content_type', 'audio/ogg', '-f', 'ogg'];
  }
}

/** Feeds a mount in real time: `ffmpeg -re -f lavfi -i sine=440… -f mp3|ogg icecast://…`; stoppable and restartable. */
export async function feedIcecast(o: IcecastFeedOptions): Promise<IcecastFeed> {
  let child: ChildProcess | null = null;
  let out = '';
  const rate = o.codec === 'mp3' ? 44100 : 48000;
  const launch = async () => {
    const args = [
      '-hide_banner',
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      o.lavfi ?? `sine=frequency=440:sample_rate=${rate}`,
      '-ac',
      '2',
      ...codecArgs(o),
      '-ice_public',
      '0',
      o.target,
    ];
    const c = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child = c;
    // ffmpeg exits at once when Icecast refuses the source; give it a moment to show that.
    await sleep(300);
    if (c.exitCode !== null) throw new Error(`ffmpeg source exited ${c.exitCode}: ${out}`);
  };
  // Icecast may still hold the mount of a source that just left: try a few times.
  const start = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await launch();
      } catch (err) {
        if (attempt >= 4) throw err;
        await sleep(500);
      }
    }
  };
  const stop = async () => {
    if (child) await stopChild(child);
  };
  await start();
  return {
    stop,
    async restart() {
      await stop();
      await start();
    },
  };
}
