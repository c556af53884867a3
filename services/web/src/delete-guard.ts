import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorized, deleteEnabled, type Credentials } from './auth.ts';
import { webError } from './errors.ts';
import { FailureLimiter } from './failure-limit.ts';

/**
 * The DELETE credentials guard every change to the archive (deleting a recording, setting or lifting its
 * keep mark): 403 when none are configured, 401 with a Basic challenge when the request lacks them, and 429
 * with Retry-After for a client (IP address) that presented wrong ones `maxFailures` times in a minute —
 * until that minute is over, even with the right ones.
 */
export class DeleteGuard {
  private readonly credentials: Credentials;
  private readonly failures: FailureLimiter;
  private readonly onFailure: () => void;

  constructor(credentials: Credentials, o: { maxFailures: number; now?: () => number; onFailure?: () => void }) {
    this.credentials = credentials;
    this.failures = new FailureLimiter({ max: o.maxFailures, windowMs: 60_000, now: o.now });
    this.onFailure = o.onFailure ?? (() => {});
  }

  require(req: FastifyRequest, reply: FastifyReply, what: string): void {
    if (!deleteEnabled(this.credentials))
      throw webError(
        'deleteDisabled',
        `${what} is disabled: no web_delete_token or web_delete_user/web_delete_password is configured`,
      );
    const wait = this.failures.retryAfterSeconds(req.ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw webError('tooManyFailures', `too many wrong credentials from ${req.ip}: try again in ${wait} s`);
    }
    const header = req.headers.authorization;
    if (!authorized(header, this.credentials)) {
      // A request without credentials is the browser's first try (answered with the challenge), not a failure.
      if (header) {
        this.failures.fail(req.ip);
        this.onFailure();
      }
      reply.header('www-authenticate', 'Basic realm="isr", charset="UTF-8"');
      throw webError('unauthorized', `credentials required for ${what}`);
    }
  }
}
