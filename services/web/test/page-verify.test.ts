// The archive table's "verified" mark, in real Chromium against the real web app over a real socket (its CSP
// enforced): a row's Verify button asks /api/verify and shows the verdict, on WAV files whose manifest entries the
// real ManifestWriter appended — one of them changed afterwards.
import assert from 'node:assert/strict';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { ManifestWriter, sha256Hex } from '@isr/runtime';
import { axeViolations, launchChromium, wav } from './page-fixture.ts';
import { harness, write, type Harness } from './harness.ts';

const GOOD = 'studio/2026-10-24/2026-10-24_14-32-00+0200.wav';
const CHANGED = 'studio/2026-10-24/2026-10-24_14-32-20+0200.wav';
let h: Harness;
let browser: Browser;

before(async () => {
  h = await harness({
    fill: async (root) => {
      const w = new ManifestWriter();
      for (const [i, rel] of [GOOD, CHANGED].entries()) {
        const data = wav(220 + 110 * i);
        await write(root, rel, data);
        const start = `2026-10-24T12:32:${i === 0 ? '00' : '20'}.000Z`;
        await w.append(
          { root, source: 'studio', day: '2026-10-24' },
          {
            op: 'closed',
            path: rel,
            start,
            end: start.replace(/:(\d\d)\.000Z$/, (_, s: string) => `:${Number(s) + 20}.000Z`),
            frames: 160_000,
            durationSeconds: 20,
            bytes: data.length,
            sha256: sha256Hex(data),
          },
        );
      }
      // One sample of the second file changed after it was closed.
      const fh = await open(join(root, CHANGED), 'r+');
      await fh.write(Buffer.from([0x7f, 0x7f]), 0, 2, 1000);
      await fh.close();
    },
  });
  await h.listen();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await h?.close();
});

test('Verify in a row shows "Verified" for an unchanged file and "Modified" for a changed one, keeps the focus, and the page stays accessible', async () => {
  const page = await browser.newPage();
  const cspErrors: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
  });
  await page.goto(h.url);
  const button = (path: string) =>
    page.locator(`#files tbody tr[data-path="${path}"]`).getByRole('button', { name: /^(Verify|Verified|Modified)/ });
  await button(GOOD).waitFor();
  assert.equal(await button(GOOD).textContent(), 'Verify');

  await button(GOOD).focus();
  await page.keyboard.press('Enter');
  // Locators, not string predicates: waitForFunction polls by eval, which the page's CSP forbids.
  const shows = (path: string, text: string) =>
    page.locator(`#files tbody tr[data-path="${path}"] button.verify`, { hasText: new RegExp(`^${text}$`) }).waitFor();
  await shows(GOOD, 'Verified');
  assert.match((await button(GOOD).getAttribute('title'))!, /^matches entry 1 of studio\/2026-10-24\/manifest\.jsonl/);
  assert.equal(
    await page.evaluate(
      `document.activeElement?.classList.contains('verify') ? document.activeElement.closest('tr').dataset.path : null`,
    ),
    GOOD,
    'the focus stays on the button',
  );

  await button(CHANGED).click();
  await shows(CHANGED, 'Modified');
  const title = (await button(CHANGED).getAttribute('title'))!;
  assert.match(title, /^SHA-256 [0-9a-f]{64}, entry 2 of studio\/2026-10-24\/manifest\.jsonl says [0-9a-f]{64}$/);
  assert.ok(title.includes(sha256Hex(await readFile(join(h.root, CHANGED)))), 'the hash of the file as it is now');
  await page.locator('#announce', { hasText: /^Modified: SHA-256/ }).waitFor({ state: 'attached' });

  assert.deepEqual(cspErrors, []);
  await page.close();

  // axe is injected as an inline script: a context without the CSP, with both verdicts shown.
  const context = await browser.newContext({ bypassCSP: true });
  const p2 = await context.newPage();
  await p2.goto(h.url);
  for (const [path, text] of [
    [GOOD, 'Verified'],
    [CHANGED, 'Modified'],
  ] as const) {
    await p2.locator(`#files tbody tr[data-path="${path}"] button.verify`).click();
    await p2
      .locator(`#files tbody tr[data-path="${path}"] button.verify`, { hasText: new RegExp(`^${text}$`) })
      .waitFor();
  }
  assert.deepEqual(await axeViolations(p2), []);
  await context.close();
});
