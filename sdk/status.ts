/**
 * getStatus() as a portal needs it: which ONE piece is missing, so the page can show the one install link that
 * helps (sdk/README.md "Install links"). Order matters: without the extension nothing else can be known; without
 * the host no driver is known; without a loaded driver no token can be seen.
 */
import { KysoError } from '../shared/errors/kyso-error.js';
import type { PageResult } from '../shared/protocol/page-messages.js';

type WireStatus = PageResult<'kyso.getStatus'>;

/** The first piece the person still has to install or plug in; null when everything is there. */
export type MissingPiece = 'extension' | 'host' | 'driver' | 'token';

/** No extension answered: nothing else about the computer can be known (and nothing is guessed). */
export interface ExtensionMissingStatus {
  readonly missing: 'extension';
}

/** The extension answered: its version, the host's state and the tokens it sees. */
export type ExtensionStatus = Omit<WireStatus, 'missing'> & { readonly missing: Exclude<MissingPiece, 'extension'> | null };

export type KysoStatus = ExtensionMissingStatus | ExtensionStatus;

/**
 * The extension's answer with `missing` always set. An older extension does not send `missing`; then it is
 * derived from what it does send (it cannot tell a missing driver from a missing token: 'token' is said).
 */
export function statusFromWire(wire: WireStatus): ExtensionStatus {
  const { missing, ...rest } = wire;
  if (missing !== undefined) return { ...rest, missing };
  return { ...rest, missing: !wire.host.installed ? 'host' : wire.tokens.length === 0 ? 'token' : null };
}

/**
 * Ask the extension, asking for `missing` (`report: 'missing'`); an older extension refuses that field
 * (BAD_REQUEST: its request schema is strict), so the question is asked again without it. "No extension answered"
 * is a status, not an error. Every other failure still rejects.
 */
export async function readStatus(ask: (request: { report?: 'missing' }) => Promise<WireStatus>): Promise<KysoStatus> {
  try {
    const wire = await ask({ report: 'missing' }).catch((error: unknown) => {
      if (error instanceof KysoError && error.code === 'BAD_REQUEST') return ask({});
      throw error;
    });
    return statusFromWire(wire);
  } catch (error) {
    if (error instanceof KysoError && error.code === 'EXTENSION_NOT_INSTALLED') return { missing: 'extension' };
    throw error;
  }
}
