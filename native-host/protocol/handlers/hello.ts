/** `host.hello`: versions and which PKCS#11 modules loaded or were skipped, so the extension can say what to update or install. */
import { PROTOCOL_VERSION } from '../../../shared/limits.js';
import type { HostResult } from '../../../shared/protocol/host-messages.js';
import { HOST_VERSION } from '../../config.js';
import type { HandlerContext } from '../handler-context.js';

export async function hello(context: HandlerContext): Promise<HostResult<'host.hello'>> {
  const service = context.tokens();
  return {
    hostVersion: HOST_VERSION,
    protocolVersion: PROTOCOL_VERSION,
    // Every driver found, loaded or not: one that failed, hung or crashed is named here (error) and skipped.
    modules: service.modules().map((m) => ({
      path: m.path,
      loaded: m.loaded,
      ...(m.error ? { error: m.error.slice(0, 64) } : {}),
      ...(m.vendor ? { vendor: m.vendor.slice(0, 256) } : {}),
      ...(m.foundBy ? { foundBy: m.foundBy } : {}),
    })),
  };
}
