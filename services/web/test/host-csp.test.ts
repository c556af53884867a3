// DNS rebinding: with web_allowed_hosts set, a request naming another host is refused (loopback names always
// pass). Every response forbids framing.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { harness, type Harness } from './harness.ts';

let h: Harness;
let open: Harness;
before(async () => {
  h = await harness({ allowedHosts: ['isr.lan', 'archive.example:8443'] });
  open = await harness();
  await h.listen();
});
after(async () => {
  await h.close();
  await open.close();
});

/** GET with a chosen Host header over a real socket (fetch does not let one set Host). */
function get(
  url: string,
  path: string,
  host: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (s: string) => (body += s));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('only listed hosts (any port, or the listed port) and loopback names are answered; others get 421', async () => {
  for (const host of [
    'isr.lan',
    'isr.lan:8080',
    'ISR.LAN',
    'archive.example:8443',
    'localhost:8080',
    '127.0.0.1',
    '[::1]:80',
  ]) {
    const res = await get(h.url, '/api/files', host);
    assert.equal(res.status, 200, host);
  }
  for (const host of [
    'evil.example',
    'isr.lan.evil.example',
    'archive.example:80',
    'archive.example',
    '10.0.0.5:8080',
  ]) {
    const res = await get(h.url, '/api/files', host);
    assert.equal(res.status, 421, host);
    assert.equal((JSON.parse(res.body) as { code: string }).code, 'ISR_WEB_HOST_NOT_ALLOWED');
  }
  assert.equal((await get(h.url, '/', 'evil.example')).status, 421, 'the page too');
  assert.equal((await get(h.url, '/healthz', 'web:8080')).status, 200, 'health checks and scrapes name the container');
  assert.equal((await get(h.url, '/metrics', 'web:8080')).status, 200);
  assert.equal(
    (await open.app.inject({ url: '/api/files', headers: { host: 'evil.example' } })).statusCode,
    200,
    'no list: any host',
  );
});

test("the page, the API and media all say frame-ancestors 'none'", async () => {
  for (const path of ['/', '/api/files', '/api/nothing']) {
    const res = await open.app.inject(path);
    assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/, path);
  }
  assert.match(String((await open.app.inject('/')).headers['content-security-policy']), /default-src 'self'/);
});
