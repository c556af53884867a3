import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { bindBus, connectBus, provisionBus, type Bus } from './bus.ts';
import type { ParseArgsOptionsConfig } from 'node:util';
import { ArgsError, parseServiceArgs, usage, type ServiceArgs } from './config/args.ts';
import { ConfigError, loadConfig, num, str, type IsrConfig, type ServiceName } from './config/load.ts';
import { createLogger } from './logger.ts';
import { createRegistry, startMetricsServer, type HealthCheck } from './metrics-server.ts';
import { waitForSignal } from './shutdown.ts';

export interface ServiceContext {
  config: IsrConfig;
  log: Logger;
  registry: Registry;
  bus: Bus;
}

export interface RunningService {
  health: HealthCheck;
  /** Flush and close everything the service opened (files, consumers, HTTP); the bus is drained after. */
  close(): Promise<void>;
}

export interface RunOptions {
  /** Serve /metrics and /healthz on config.metricsPort (web serves them itself). Default true. */
  metricsServer?: boolean;
  /**
   * Create/update the streams and buckets. Default: the segmenter always does (it is the provisioner,
   * the only user nats.conf allows to); the other services do when they connect without credentials
   * (a development server), and otherwise bind to what the provisioner created, waiting for it.
   */
  provision?: boolean;
  /** The command line as the service's main parsed it (with its own flags); default: process.argv, common options only. */
  args?: ServiceArgs;
}

/**
 * The service's command line (process.argv), parsed strictly with its own `options`: an unknown option or a bad
 * value (`check` throws an ArgsError for a flag's value) prints the problem and the usage line and exits with
 * status 2; `--help` prints the usage and exits 0.
 */
export function serviceArgs(
  service: ServiceName,
  options: ParseArgsOptionsConfig = {},
  check?: (args: ServiceArgs) => void,
  argv: readonly string[] = process.argv.slice(2),
): ServiceArgs {
  try {
    const args = parseServiceArgs(argv, options);
    check?.(args);
    if (args.help) {
      console.log(usage(`isr-${service}`, options));
      process.exit(0);
    }
    return args;
  } catch (err) {
    if (!(err instanceof ArgsError)) throw err;
    console.error(`isr-${service}: ${err.message}\n${usage(`isr-${service}`, options)}`);
    process.exit(2);
  }
}

/** The services that create and update the bus's streams and buckets (see nats.conf). */
export const PROVISIONERS: readonly ServiceName[] = ['segmenter'];

/** Whether a service provisions the bus or binds to it (see RunOptions.provision). */
export function shouldProvision(service: ServiceName, config: IsrConfig, explicit?: boolean): boolean {
  if (explicit !== undefined) return explicit;
  if (PROVISIONERS.includes(service)) return true;
  return !config.nats.user && !config.nats.token;
}

/**
 * The whole life of a service: config → logger → metrics registry → NATS (connect, provision) → start →
 * /metrics + /healthz → wait for SIGTERM/SIGINT → close in order (HTTP, service, then drain NATS).
 * A configuration error is printed and exits with status 2 (no restart loop can fix it).
 */
export async function runService(
  service: ServiceName,
  start: (ctx: ServiceContext) => Promise<RunningService>,
  opts: RunOptions = {},
): Promise<void> {
  let config: IsrConfig;
  try {
    config = loadConfig({ service, args: opts.args ?? serviceArgs(service) });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`isr-${service}: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger({
    service,
    level: str(config.general, 'log_level'),
    file: str(config.general, 'log_file') || undefined,
  });
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  const registry = createRegistry(service);
  const nc = await connectBus(config, `isr-${service}`, log);
  const bus = shouldProvision(service, config, opts.provision)
    ? await provisionBus(nc, config, log)
    : await bindBus(nc, { log });
  const running = await start({ config, log, registry, bus });
  const metrics =
    opts.metricsServer === false
      ? null
      : await startMetricsServer({ port: config.metricsPort, registry, health: running.health });
  if (metrics) log.info({ port: metrics.port }, 'serving /metrics and /healthz');
  await waitForSignal(log, num(config.general, 'shutdown_timeout_seconds'));
  await metrics?.close();
  try {
    await running.close();
  } catch (err) {
    log.error({ err }, 'error while closing');
  }
  await nc.drain().catch((err: unknown) => log.warn({ err }, 'NATS drain failed'));
  log.info('stopped');
  log.flush();
}
