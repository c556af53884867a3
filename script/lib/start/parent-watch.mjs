// Preloaded (node --import) into every service `npm start` runs. Its stdin is a pipe from the supervisor:
// when that ends, the supervisor is gone without having stopped us (killed, terminal closed), so stop
// gracefully exactly as on SIGTERM instead of living on as an orphan. Worker threads inherit the --import
// but not the pipe (their stdin ends at once): only the main thread watches, or a worker would stop the service.
import { isMainThread } from 'node:worker_threads';

if (isMainThread && !process.stdin.isTTY) {
  process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
  process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
  process.stdin.resume();
  process.stdin.unref?.(); // never keeps the service alive by itself
}
