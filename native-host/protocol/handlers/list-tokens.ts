/** `host.listTokens`: the tokens plugged in now, with their PIN state flags. */
import type { HostResult } from '../../../shared/protocol/host-messages.js';
import type { HandlerContext } from '../handler-context.js';

export async function listTokens(context: HandlerContext): Promise<HostResult<'host.listTokens'>> {
  return { tokens: await context.tokens().listTokens() };
}
