import { redactSecrets, redactUrl } from '@isr/contract';
import { Agent, errors, interceptors, request, type Dispatcher } from 'undici';
import { StreamHttpError, StreamNetworkError, StreamStallError } from './errors.ts';
import { parseMetaInt } from './icy.ts';

export interface OpenedStream {
  contentType: string | undefined;
  icyMetaInt: number | undefined;
  /** icy-name / server, for the log. */
  describe: Record<string, string>;
  body: AsyncIterable<Uint8Array>;
  close(): void;
}

export type OpenStream = (url: string, opts: { stallMs: number; signal: AbortSignal }) => Promise<OpenedStream>;

const header = (h: Record<string, string | string[] | undefined>, name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Maps undici's failures to our typed errors; a body timeout is a stall. The messages reach isr_status and the
 * log, so the URL in them is redacted (user:pass@, token parameters), and so is any URL in undici's own text.
 */
function wrap(err: unknown, rawUrl: string, stallMs: number): Error {
  const url = redactUrl(rawUrl);
  if (err instanceof errors.BodyTimeoutError || err instanceof errors.HeadersTimeoutError) {
    return new StreamStallError(`no bytes from ${url} for ${stallMs / 1000} s`, { cause: err });
  }
  if (err instanceof StreamHttpError || err instanceof StreamStallError || err instanceof StreamNetworkError)
    return err;
  const code = (err as { code?: string }).code;
  const msg = redactSecrets(err instanceof Error ? err.message : String(err));
  return new StreamNetworkError(`cannot read ${url}: ${code ? `${code} ` : ''}${msg}`, { cause: err });
}

export interface HttpOpener {
  open: OpenStream;
  close(): Promise<void>;
}

/**
 * GETs streams with undici through its own connection pool that follows up to 5 redirects (stream URLs often
 * point at a load balancer), asking for ICY metadata; rejects on a non-2xx status; a body times out after
 * `stallMs` of silence.
 */
export function createHttpOpener(): HttpOpener {
  const agent = new Agent();
  const dispatcher: Dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 5 }));
  return { open: (url, opts) => openWith(dispatcher, url, opts), close: () => agent.close() };
}

async function openWith(
  dispatcher: Dispatcher,
  url: string,
  { stallMs, signal }: { stallMs: number; signal: AbortSignal },
): Promise<OpenedStream> {
  let res;
  try {
    res = await request(url, {
      dispatcher,
      method: 'GET',
      headers: { 'icy-metadata': '1', 'user-agent': 'isr-capture-stream' },
      headersTimeout: stallMs,
      bodyTimeout: stallMs,
      signal,
    });
  } catch (err) {
    throw wrap(err, url, stallMs);
  }
  const h = res.headers;
  if (res.statusCode < 200 || res.statusCode > 299) {
    res.body.destroy();
    throw new StreamHttpError(res.statusCode, `${redactUrl(url)} answered HTTP ${res.statusCode}`);
  }
  const describe: Record<string, string> = {};
  for (const k of ['icy-name', 'server', 'icy-br']) {
    const v = header(h, k);
    if (v) describe[k] = v;
  }
  const body = res.body;
  return {
    contentType: header(h, 'content-type'),
    icyMetaInt: parseMetaInt(h['icy-metaint']),
    describe,
    close: () => body.destroy(),
    body: (async function* () {
      try {
        for await (const chunk of body) yield chunk as Uint8Array;
      } catch (err) {
        if (signal.aborted) return;
        throw wrap(err, url, stallMs);
      }
    })(),
  };
}
