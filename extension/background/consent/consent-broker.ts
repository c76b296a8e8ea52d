/**
 * The consent window: an extension-owned popup (pages cannot frame or open it) where the person allows the
 * site, picks a certificate and types the PIN. One window at a time; later requests queue. The window talks to
 * the background with runtime messages; the PIN passes through once, straight into the host request, and is
 * never stored. Closing the window is USER_CANCELLED; the page going away closes it (REQUEST_SUPERSEDED).
 * A token answer the window has words for (PIN expired, token locked, removed, silent: final-error-text.ts) ends
 * the request at once but leaves the window open, saying so, until the person closes it (`endInWindow`).
 */
import * as v from 'valibot';
import { KysoError, serializeError } from '../../../shared/errors/kyso-error.js';
import { CONSENT_TIMEOUT_MS } from '../../../shared/limits.js';
import { newRequestId } from '../../../shared/protocol/validate.js';
import type { CertificateInfo, SignatureResult, TokenInfo } from '../../../shared/protocol/common.js';
import type { HashAlgorithm } from '../../../shared/domain/algorithms.js';
import type { PageOperation } from '../../../shared/protocol/page-messages.js';
import type { UserSiteChoice } from '../access/access-policy.js';
import type { ExclusionReason } from '../../../shared/certificates/choose-certificates.js';
import type { ConsentDocument, ConsentDocumentData } from '../documents/consent-documents.js';
import {
  ConsentMessageSchema, type ConsentMessage, type ConsentReply, type ConsentState,
} from '../../messaging/internal-messages.js';
import { staysInWindow } from '../../ui/consent/final-error-text.js';

export const CONSENT_PAGE_PATH = 'ui/consent/consent.html';
/** The consent window's outer size; it fits a 1366×768 screen with its taskbar (test/e2e/consent-readability.test.ts). */
export const WINDOW_WIDTH_PX = 520;
export const WINDOW_HEIGHT_PX = 720;

export interface SignConsent {
  readonly description?: string;
  readonly hashAlgorithm: HashAlgorithm;
  readonly digestHex: string;
  readonly certificates: readonly CertificateInfo[];
  readonly tokens: readonly TokenInfo[];
  /** Sign with the chosen certificate; throws a KysoError (PIN_INCORRECT keeps the window open). */
  approve(certificateId: string, pin: string | undefined): Promise<SignatureResult>;
  /** Fresh token state (tries left) to show after a wrong PIN. */
  refreshTokens(): Promise<readonly TokenInfo[]>;
  /** Certificate id → why the portal's filter rules it out (shown greyed out with the reason; see background/certificates). */
  readonly exclusions?: Readonly<Record<string, readonly ExclusionReason[]>>;
  /** Tokens plugged in or pulled out while the window is open: the window polls this (consent.refresh). */
  refreshCertificates?(): Promise<Pick<SignConsent, 'certificates' | 'tokens' | 'exclusions'>>;
  /** Documents being signed (background/documents/), and the bytes of one for the window's preview. */
  readonly documents?: readonly ConsentDocument[];
  readDocument?(index: number, offset: number): Promise<{ data: string; eof: boolean }>;
}

export interface ConsentRequest {
  readonly origin: string;
  readonly topOrigin: string | undefined;
  readonly operation: PageOperation;
  /** The access policy said "ask" for these origins: the person allows or blocks them first (empty: no site step). */
  readonly askOrigins: readonly string[];
  readonly sign?: SignConsent;
  /**
   * Instead of `sign`: look the signing data up only AFTER the person allowed the site (step "site"), so an
   * unlisted site learns nothing about the token (present? which certificates?) before the person says yes.
   * A KysoError it throws ends the session with that error.
   */
  readonly prepareSign?: () => Promise<SignConsent>;
  /** Aborted when the page goes away. */
  readonly signal: AbortSignal;
}

export interface ConsentBrokerDependencies {
  createWindow(url: string, width: number, height: number): Promise<{ id?: number | undefined }>;
  removeWindow(windowId: number): Promise<void>;
  /** Bring a window to the front (the open consent window, when another request queues behind it). */
  focusWindow?(windowId: number): Promise<void>;
  getURL(path: string): string;
  rememberUserChoice(origin: string, choice: UserSiteChoice): Promise<void>;
  /**
   * Open a token that shows its certificates only after login with the PIN the person typed (host.revealCertificates);
   * the host then lists them. The PIN goes straight into that request and is not kept.
   */
  revealCertificates?(tokenId: string, pin: string | undefined): Promise<void>;
  readonly consentTimeoutMs?: number;
}

/** Errors after which the person may simply try again in the same window. */
const RETRYABLE = new Set(['PIN_INCORRECT', 'PIN_INVALID_FORMAT']);

interface Session {
  readonly id: string;
  readonly request: ConsentRequest;
  step: 'site' | 'sign';
  sign: SignConsent | undefined;
  tokens: readonly TokenInfo[];
  windowId?: number;
  busy: boolean;
  finished: boolean;
  /**
   * Set when the request ended with this error and its window stays to say so (the page already has it). The
   * session stays active, so the next window waits, until the person closes it or a new request of the same
   * page replaces it (`release`).
   */
  ended?: KysoError;
  timer?: ReturnType<typeof setTimeout>;
  resolve(result: SignatureResult | undefined): void;
  reject(error: KysoError): void;
}

export class ConsentBroker {
  private readonly queue: Session[] = [];
  private active: Session | null = null;

  constructor(private readonly deps: ConsentBrokerDependencies) {}

  /** Ask the person; resolves with the signature (sign requests) or undefined (site permission only). */
  run(request: ConsentRequest): Promise<SignatureResult | undefined> {
    if (request.signal.aborted) return Promise.reject(abortReason(request.signal));
    return new Promise((resolve, reject) => {
      const session: Session = {
        id: newRequestId(), request, step: request.askOrigins.length > 0 ? 'site' : 'sign', sign: request.sign, tokens: request.sign?.tokens ?? [],
        busy: false, finished: false, resolve, reject,
      };
      request.signal.addEventListener('abort', () => this.finish(session, abortReason(request.signal)), { once: true });
      this.queue.push(session);
      // The person must finish the open window first; show it rather than let the new request wait unseen —
      // but only for a request of the same site and page. Another site's request must not pull the window to the
      // front under the person's cursor or keys (keyjacking, issue 9 §5); it waits its turn unseen.
      const active = this.active;
      const samePage = active?.request.origin === request.origin && active.request.topOrigin === request.topOrigin;
      // A window left open to say why the last signing failed gives way to the same page's next request: that is
      // the "sign again" its message asks for.
      if (active?.ended && samePage) this.release(active);
      else if (active?.windowId !== undefined && samePage) void this.deps.focusWindow?.(active.windowId);
      this.pump();
    });
  }

  /** runtime.onMessage from the consent window. Returns undefined for messages that are not ours. */
  handleMessage(message: unknown, senderUrl: string | undefined): Promise<ConsentReply | ConsentDocumentData> | undefined {
    if (!(message as { kind?: unknown } | null)?.kind?.toString().startsWith('consent.')) return undefined;
    // Only our own consent page may drive a session (not a content script, not another extension page).
    if (!senderUrl || !senderUrl.startsWith(this.deps.getURL(CONSENT_PAGE_PATH))) return undefined;
    const parsed = v.safeParse(ConsentMessageSchema, message);
    if (!parsed.success) return Promise.resolve({ outcome: 'closed', error: serializeError(new KysoError('BAD_REQUEST')) });
    const session = this.active;
    if (!session || session.id !== parsed.output.sessionId) return Promise.resolve({ outcome: 'closed' });
    if (session.ended) return Promise.resolve(this.handleEnded(session, session.ended, parsed.output));
    if (session.finished) return Promise.resolve({ outcome: 'closed' });
    return this.handle(session, parsed.output);
  }

  /** A window that stays to say why the request ended: it can only be read and closed — nothing signs from here. */
  private handleEnded(session: Session, error: KysoError, message: ConsentMessage): ConsentReply {
    if (message.kind === 'consent.cancel') {
      this.release(session);
      return { outcome: 'closed' };
    }
    return { outcome: 'ended', error: serializeError(error), state: this.state(session) };
  }

  /** windows.onRemoved: the person closed the window. */
  handleWindowRemoved(windowId: number): void {
    const session = this.active;
    if (!session || session.windowId !== windowId) return;
    if (session.ended) this.release(session, { windowGone: true });
    else this.finish(session, new KysoError('USER_CANCELLED'), { windowGone: true });
  }

  private async handle(session: Session, message: ConsentMessage): Promise<ConsentReply | ConsentDocumentData> {
    switch (message.kind) {
      case 'consent.getState':
        return { outcome: 'state', state: this.state(session) };
      case 'consent.cancel':
        this.finish(session, new KysoError('USER_CANCELLED'));
        return { outcome: 'closed' };
      case 'consent.site': {
        if (session.step !== 'site' || session.busy) return { outcome: 'state', state: this.state(session) };
        const origins = session.request.askOrigins;
        if (message.choice === 'block') {
          for (const origin of origins) await this.deps.rememberUserChoice(origin, 'block').catch(() => undefined);
          const error = new KysoError('ORIGIN_BLOCKED');
          this.finish(session, error);
          return { outcome: 'closed', error: serializeError(error) };
        }
        if (message.choice === 'always') {
          // Admin policy may forbid persons to allow sites for good; the person's "allow" then counts once.
          for (const origin of origins) await this.deps.rememberUserChoice(origin, 'always').catch(() => undefined);
        }
        if (!session.sign && session.request.prepareSign) {
          session.busy = true;
          try {
            session.sign = await session.request.prepareSign();
            session.tokens = session.sign.tokens;
          } catch (error) {
            const kyso = error instanceof KysoError ? error : new KysoError('INTERNAL_ERROR');
            this.finish(session, kyso);
            return { outcome: 'closed', error: serializeError(kyso) };
          } finally {
            session.busy = false;
          }
          if (session.finished) return { outcome: 'closed' };
        }
        if (!session.sign) {
          this.finish(session, undefined);
          return { outcome: 'closed' };
        }
        session.step = 'sign';
        return { outcome: 'state', state: this.state(session) };
      }
      case 'consent.refresh': {
        // Hot-plug: re-list while the window is open; the window keeps its selection if still offered.
        const sign = session.sign;
        if (session.step !== 'sign' || !sign?.refreshCertificates || session.busy) return { outcome: 'state', state: this.state(session) };
        const fresh = await sign.refreshCertificates().catch(() => undefined);
        if (session.finished) return { outcome: 'closed' };
        if (fresh && session.sign === sign && !session.busy) { session.sign = { ...sign, ...fresh }; session.tokens = fresh.tokens; }
        return { outcome: 'state', state: this.state(session) };
      }
      case 'consent.reveal': {
        const sign = session.sign;
        const token = session.tokens.find((t) => t.id === message.tokenId);
        // Only a token of this window that says it hides its certificates (a crafted message gets the state back).
        if (session.step !== 'sign' || !sign?.refreshCertificates || !this.deps.revealCertificates || session.busy || token?.certificatesAfterLogin !== true) {
          return { outcome: 'state', state: this.state(session) };
        }
        session.busy = true;
        try {
          await this.deps.revealCertificates(token.id, message.pin);
          const fresh = await sign.refreshCertificates();
          if (session.finished) return { outcome: 'closed' };
          if (session.sign === sign) { session.sign = { ...sign, ...fresh }; session.tokens = fresh.tokens; }
          return { outcome: 'state', state: this.state(session) };
        } catch (error) {
          if (session.finished) return { outcome: 'closed' };
          // A wrong PIN (or a token pulled out) is said in the window; the person may try again or cancel.
          const kyso = error instanceof KysoError ? error : new KysoError('INTERNAL_ERROR');
          session.tokens = await sign.refreshTokens().catch(() => session.tokens);
          return { outcome: 'retry', error: serializeError(kyso), state: this.state(session) };
        } finally {
          session.busy = false;
        }
      }
      case 'consent.documentRead': {
        const sign = session.sign;
        if (session.step !== 'sign' || !sign?.readDocument) return { outcome: 'state', state: this.state(session) };
        return { outcome: 'documentData', ...await sign.readDocument(message.index, message.offset) };
      }
      case 'consent.approve': {
        const sign = session.sign;
        if (session.step !== 'sign' || !sign || session.busy) return { outcome: 'state', state: this.state(session) };
        const certificate = sign.certificates.find((c) => c.id === message.certificateId);
        if (!certificate || certificate.unusableReasons.length > 0 || (sign.exclusions?.[certificate.id]?.length ?? 0) > 0) {
          // Not the portal's expected signer (a crafted approve: the picker greys it out) says so; the window stays for the right one.
          const code = certificate && sign.exclusions?.[certificate.id]?.includes('unexpectedSigner') ? 'UNEXPECTED_SIGNER' : 'CERTIFICATE_NOT_USABLE';
          return { outcome: 'retry', error: serializeError(new KysoError(code, certificate ? { certificateId: certificate.id } : {})), state: this.state(session) };
        }
        session.busy = true;
        try {
          const result = await sign.approve(certificate.id, message.pin);
          this.finish(session, undefined, { result });
          return { outcome: 'closed' };
        } catch (error) {
          const kyso = error instanceof KysoError ? error : new KysoError('INTERNAL_ERROR');
          if (RETRYABLE.has(kyso.code) && !session.finished) {
            session.tokens = await sign.refreshTokens().catch(() => session.tokens);
            return { outcome: 'retry', error: serializeError(kyso), state: this.state(session) };
          }
          if (staysInWindow(kyso.code) && this.endInWindow(session, kyso)) {
            return { outcome: 'ended', error: serializeError(kyso), state: this.state(session) };
          }
          this.finish(session, kyso);
          return { outcome: 'closed', error: serializeError(kyso) };
        } finally {
          session.busy = false;
        }
      }
    }
  }

  private state(session: Session): ConsentState {
    const { request } = session;
    const sign = session.sign;
    return {
      step: session.step,
      origin: request.origin,
      ...(request.topOrigin && request.topOrigin !== request.origin ? { topOrigin: request.topOrigin } : {}),
      operation: request.operation,
      siteOrigins: [...request.askOrigins],
      waiting: this.queue.length,
      ...(sign ? {
        sign: {
          ...(sign.description ? { description: sign.description } : {}),
          hashAlgorithm: sign.hashAlgorithm,
          digestHex: sign.digestHex,
          certificates: [...sign.certificates],
          tokens: [...session.tokens],
          ...(sign.exclusions ? { exclusions: Object.fromEntries(Object.entries(sign.exclusions).map(([id, reasons]) => [id, [...reasons]])) } : {}),
          ...(sign.documents ? { documents: [...sign.documents] } : {}),
        },
      } : {}),
    };
  }

  private pump(): void {
    if (this.active) return;
    const next = this.queue.shift();
    if (!next) return;
    this.active = next;
    const timeoutMs = this.deps.consentTimeoutMs ?? CONSENT_TIMEOUT_MS;
    next.timer = setTimeout(() => this.finish(next, new KysoError('CONSENT_TIMEOUT', { timeoutMs })), timeoutMs);
    const url = `${this.deps.getURL(CONSENT_PAGE_PATH)}?session=${encodeURIComponent(next.id)}`;
    this.deps.createWindow(url, WINDOW_WIDTH_PX, WINDOW_HEIGHT_PX).then(
      (window) => {
        if (window.id === undefined) { this.finish(next, new KysoError('INTERNAL_ERROR', { reason: 'no window id' })); return; }
        next.windowId = window.id;
        // Finished while the window was opening (page gone, timeout): close it now.
        if (next.finished) void this.deps.removeWindow(window.id);
      },
      () => this.finish(next, new KysoError('INTERNAL_ERROR', { reason: 'consent window could not open' })),
    );
  }

  /**
   * End the request with `error` now — the page's promise is rejected at once, exactly as `finish` would — but
   * keep its window open to say so. Only the active session with a window can; false otherwise (then `finish`).
   * The window closes when the person closes it, when the same page asks again, or after the consent timeout
   * (nobody read it: the requests queued behind it must not wait for ever).
   */
  private endInWindow(session: Session, error: KysoError): boolean {
    if (session.finished || this.active !== session || session.windowId === undefined) return false;
    session.finished = true;
    session.ended = error;
    clearTimeout(session.timer);
    session.reject(error);
    session.timer = setTimeout(() => this.release(session), this.deps.consentTimeoutMs ?? CONSENT_TIMEOUT_MS);
    return true;
  }

  /** Close a window left open by `endInWindow` (nothing is pending: its request already ended) and open the next. */
  private release(session: Session, options: { windowGone?: boolean } = {}): void {
    if (this.active !== session || !session.ended) return;
    clearTimeout(session.timer);
    this.active = null;
    if (session.windowId !== undefined && !options.windowGone) void this.deps.removeWindow(session.windowId);
    this.pump();
  }

  private finish(session: Session, error: KysoError | undefined, options: { result?: SignatureResult; windowGone?: boolean } = {}): void {
    if (session.finished) return;
    session.finished = true;
    clearTimeout(session.timer);
    const queued = this.queue.indexOf(session);
    if (queued >= 0) this.queue.splice(queued, 1);
    if (error) session.reject(error); else session.resolve(options.result);
    if (this.active === session) {
      this.active = null;
      if (session.windowId !== undefined && !options.windowGone) void this.deps.removeWindow(session.windowId);
      this.pump();
    }
  }
}

/** Why a request's signal was aborted: the typed reason when one was given (the host holding its documents stopped), else the page went away. */
function abortReason(signal: AbortSignal): KysoError {
  return signal.reason instanceof KysoError ? signal.reason : new KysoError('REQUEST_SUPERSEDED');
}
