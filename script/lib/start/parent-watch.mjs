// Preloaded (node --import) into every service `npm start` runs. Its stdin is a pipe from the supervisor:
// when that ends, the supervisor is gone without having stopped us (killed, terminal closed), so stop
// gracefully exactly as on SIGTERM instead of living on as an orphan.
if (!process.stdin.isTTY) {
  process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
  process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
  process.stdin.resume();
  process.stdin.unref?.(); // never keeps the service alive by itself
}
