import { verifyCommand } from './verify-command.ts';

export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

const USAGE =
  'usage: isr verify [CONFIG.ini] [--config FILE] [--source S] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--quiet]';

/** `isr <command> …`; resolves to the exit status (0 fine, 1 problems found, 2 a bad command line or config). */
export async function runCli(
  argv: readonly string[],
  o: Output,
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd = process.cwd(),
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'verify') return verifyCommand(rest, o, env, cwd, USAGE);
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    o.out(USAGE);
    return command === undefined ? 2 : 0;
  }
  o.err(`isr: unknown command ${JSON.stringify(command)}\n${USAGE}`);
  return 2;
}
