// Bundles the archive page (page/*.ts → dist/public/app.js) and copies its static files, with esbuild.
// Run by `npm run build -w @isr/web` and by the web tests before they start a server.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const webDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const publicDir = join(webDir, 'dist', 'public');

export async function bundlePage(): Promise<string> {
  await mkdir(publicDir, { recursive: true });
  await build({
    entryPoints: [join(webDir, 'page', 'main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    outfile: join(publicDir, 'app.js'),
    logLevel: 'warning',
  });
  await copyFile(join(webDir, 'page', 'index.html'), join(publicDir, 'index.html'));
  // The icon is linked from index.html: without one the browser asks for /favicon.ico and logs its 404 on every load.
  for (const f of ['app.css', 'favicon.svg']) await copyFile(join(webDir, 'page', f), join(publicDir, f));
  return publicDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundlePage();
