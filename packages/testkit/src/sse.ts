/** One server-sent event: its `event:` name and its `data:` line parsed as JSON. */
export interface ServerSentEvent<T = Record<string, unknown>> {
  event: string;
  data: T;
}

/**
 * Reads a server-sent event stream (the web's /api/events) into a list as the events arrive, for assertions;
 * `contentType` is what the server answered with. `close()` aborts the request.
 */
export async function readServerSentEvents<T = Record<string, unknown>>(
  url: string,
): Promise<{ contentType: string | null; events: ServerSentEvent<T>[]; close(): void }> {
  const ctrl = new AbortController();
  const res = await fetch(url, { signal: ctrl.signal });
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
  const events: ServerSentEvent<T>[] = [];
  const body = res.body;
  void (async () => {
    let buf = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        buf += decoder.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) as T });
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return { contentType: res.headers.get('content-type'), events, close: () => ctrl.abort() };
}
