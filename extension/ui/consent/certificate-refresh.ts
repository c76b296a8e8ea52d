/**
 * Hot-plug in the consent window: while the signing step is on screen, ask the background every
 * CERTIFICATE_POLL_MS to re-list tokens and certificates (it asks the host: host.listTokens +
 * host.listCertificates, milliseconds each). Only a changed list is re-rendered, so typing is not disturbed.
 */
import type { ConsentReply, ConsentState } from '../../messaging/internal-messages.js';

export const CERTIFICATE_POLL_MS = 2000;

export interface CertificatePollingHooks {
  send(message: { kind: 'consent.refresh' }): Promise<ConsentReply>;
  current(): ConsentState | null;
  /** A request (approve, site choice) is in flight: skip this round. */
  busy(): boolean;
  /** The lists changed: take this state (the caller re-renders and keeps the selection if still offered). */
  changed(reply: ConsentReply): void;
}

/** What the picker shows, for change detection. */
export function pickerFingerprint(state: ConsentState | null): string {
  const sign = state?.sign;
  if (!sign) return '';
  return JSON.stringify([sign.certificates.map((c) => [c.id, c.unusableReasons]), sign.tokens.map((t) => [t.id, t.flags]), sign.exclusions ?? {}]);
}

export function startCertificatePolling(hooks: CertificatePollingHooks, intervalMs = CERTIFICATE_POLL_MS): () => void {
  let inFlight = false;
  const timer = setInterval(() => {
    const state = hooks.current();
    if (inFlight || hooks.busy() || state?.step !== 'sign') return;
    inFlight = true;
    hooks.send({ kind: 'consent.refresh' }).then((reply) => {
      if (hooks.busy()) return; // an approve started meanwhile: its reply wins
      if (reply.outcome === 'closed') { hooks.changed(reply); return; }
      if ('state' in reply && pickerFingerprint(reply.state) !== pickerFingerprint(hooks.current())) hooks.changed(reply);
    }, () => undefined).finally(() => { inFlight = false; });
  }, intervalMs);
  return () => clearInterval(timer);
}
