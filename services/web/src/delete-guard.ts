import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorized, deleteEnabled, type Credentials } from './auth.ts';
import { webError } from './errors.ts';

/**
 * The DELETE credentials guard every change to the archive (deleting a recording, setting or lifting its
 * keep mark): 403 when none are configured, 401 with a Basic challenge when the request lacks them.
 */
export function requireDeleteCredentials(req: FastifyRequest, reply: FastifyReply, c: Credentials, what: string): void {
  if (!deleteEnabled(c)) throw webError('deleteDisabled', `${what} is disabled: no web_delete_token or web_delete_user/web_delete_password is configured`);
  if (!authorized(req.headers.authorization, c)) {
    reply.header('www-authenticate', 'Basic realm="isr", charset="UTF-8"');
    throw webError('unauthorized', `credentials required for ${what}`);
  }
}
