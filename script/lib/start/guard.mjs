// Runs a command (nats-server) for the supervisor of `npm start` and ties its life to the supervisor's:
// SIGTERM/SIGINT are passed on, and when stdin (a pipe from the supervisor) ends — the supervisor died
// without stopping it — the command gets SIGTERM. Exits with the command's status.
import { spawn } from 'node:child_process';

const [cmd, ...args] = process.argv.slice(2);
const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
const pass = (signal) => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
process.on('SIGTERM', () => pass('SIGTERM'));
process.on('SIGINT', () => pass('SIGINT'));
process.stdin.on('end', () => pass('SIGTERM'));
process.stdin.on('error', () => pass('SIGTERM'));
process.stdin.resume();
child.once('error', (err) => {
  process.stderr.write(`cannot run ${cmd}: ${err.message}\n`);
  process.exit(127);
});
child.once('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
