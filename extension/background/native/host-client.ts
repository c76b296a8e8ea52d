/**
 * One long-lived native-messaging port to the Kyso host, connected lazily and reconnected after the host dies.
 * Every request: validated before sending, its own timeout, its reply validated by HostReplySchema and by the
 * operation's result schema (a reply with the wrong id or shape is never trusted), large replies reassembled
 * from `host.chunk` frames. A disconnect fails every request in flight.
 */
import * as v from 'valibot';
import {
  HOST_OPERATIONS, HostReplySchema, HostRequestSchema,
  type HostOperation, type HostRequestPayload, type HostResult,
} from '../../../shared/protocol/host-messages.js';
import { KysoError, deserializeError } from '../../../shared/errors/kyso-error.js';
import { newRequestId, parseOrThrow } from '../../../shared/protocol/validate.js';
import { HOST_QUICK_REQUEST_TIMEOUT_MS, PROTOCOL_VERSION } from '../../../shared/limits.js';
import { ChunkJoiner } from '../../../shared/protocol/chunking.js';
import { markLatest } from '../timing-marks.js';

/** The part of a browser port the client uses (the real one comes from platform/browser-api.ts). */
export interface NativePort {
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(listener: (message: unknown) => void): void };
  onDisconnect: { addListener(listener: () => void): void };
}

export interface HostClientDependencies {
  readonly hostName: string;
  readonly extensionVersion: string;
  connectNative(hostName: string): NativePort;
  disconnectReason(port: NativePort): string | undefined;
  /** How long the host may take to answer hello (default HOST_QUICK_REQUEST_TIMEOUT_MS). */
  readonly helloTimeoutMs?: number;
}

export type HelloResult = HostResult<'host.hello'>;

export interface HostRequestOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

interface Pending {
  readonly type: HostOperation;
  resolve(result: unknown): void;
  reject(error: KysoError): void;
  readonly timer: ReturnType<typeof setTimeout>;
  /** Pieces of a reply split into `host.chunk` frames (the same joiner the host's splitter is tested with). */
  chunks?: ChunkJoiner;
}

interface Connection {
  readonly port: NativePort;
  readonly pending: Map<string, Pending>;
  closed: boolean;
  hello?: Promise<HelloResult>;
}

export class NativeHostClient {
  private connection: Connection | null = null;
  private readonly lostListeners = new Set<(error: KysoError) => void>();

  constructor(private readonly deps: HostClientDependencies) {}

  /** Connect if needed and return the host's hello (version check done). */
  async hello(): Promise<HelloResult> {
    const connection = this.connect();
    return connection.hello!;
  }

  async request<T extends HostOperation>(type: T, payload: HostRequestPayload<T>, options: HostRequestOptions): Promise<HostResult<T>> {
    const connection = this.connect();
    await connection.hello;
    return this.send(connection, type, payload, options);
  }

  /**
   * `listener` runs each time a connection ends (the host died or was dropped), after its requests in flight were
   * failed. What that host process held — uploaded documents, signed results — is gone with it: the next request
   * starts a new host that has never seen them. Returns the unsubscribe function.
   */
  onConnectionLost(listener: (error: KysoError) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Drop the port (tests, or a version mismatch). The next request reconnects. */
  disconnect(): void {
    const connection = this.connection;
    if (!connection) return;
    this.fail(connection, new KysoError('HOST_DISCONNECTED', { reason: 'closed by the extension' }));
    try { connection.port.disconnect(); } catch { /* already gone */ }
  }

  private connect(): Connection {
    if (this.connection && !this.connection.closed) return this.connection;
    let port: NativePort;
    try {
      port = this.deps.connectNative(this.deps.hostName);
    } catch (error) {
      // Firefox throws synchronously for a malformed host name; Chrome reports everything through onDisconnect.
      throw mapDisconnect(error instanceof Error ? error.message : undefined);
    }
    const connection: Connection = { port, pending: new Map(), closed: false };
    this.connection = connection;
    port.onMessage.addListener((message) => this.receive(connection, message));
    port.onDisconnect.addListener(() => {
      this.fail(connection, mapDisconnect(this.deps.disconnectReason(port)));
    });
    connection.hello = this.send(connection, 'host.hello', { extensionVersion: this.deps.extensionVersion }, { timeoutMs: this.deps.helloTimeoutMs ?? HOST_QUICK_REQUEST_TIMEOUT_MS })
      .then((hello) => {
        markLatest('kyso:host-hello');
        if (hello.protocolVersion !== PROTOCOL_VERSION) {
          const error = new KysoError('VERSION_MISMATCH', { hostVersion: hello.hostVersion, hostProtocol: hello.protocolVersion, extensionProtocol: PROTOCOL_VERSION });
          this.fail(connection, error);
          try { port.disconnect(); } catch { /* gone */ }
          throw error;
        }
        return hello;
      }, (error: unknown) => {
        // A host that does not answer hello (hung, wrong program) is dropped, so the next request starts afresh
        // instead of waiting on this connection forever.
        const kyso = error instanceof KysoError ? error : new KysoError('HOST_DISCONNECTED');
        this.fail(connection, kyso);
        try { port.disconnect(); } catch { /* gone */ }
        throw kyso;
      });
    // The hello's failure is reported to whoever awaits it; do not let it become an unhandled rejection.
    connection.hello.catch(() => undefined);
    return connection;
  }

  private send<T extends HostOperation>(connection: Connection, type: T, payload: HostRequestPayload<T>, options: HostRequestOptions): Promise<HostResult<T>> {
    if (connection.closed) return Promise.reject(new KysoError('HOST_DISCONNECTED'));
    if (options.signal?.aborted) return Promise.reject(abortError(options.signal));
    const id = newRequestId();
    const request = parseOrThrow(HostRequestSchema, { v: PROTOCOL_VERSION, id, type, payload });
    return new Promise<HostResult<T>>((resolve, reject) => {
      const onAbort = () => settle(() => reject(abortError(options.signal!)));
      const settle = (action: () => void) => {
        clearTimeout(timer);
        connection.pending.delete(id);
        options.signal?.removeEventListener('abort', onAbort);
        action();
      };
      const timer = setTimeout(() => settle(() => {
        reject(new KysoError('TIMEOUT', { operation: type, timeoutMs: options.timeoutMs }));
        // A signature that never ends is a driver stuck in C_Sign: that host holds the token's lock for good, so
        // every later signature on it would time out too. Drop it; the next request starts a fresh host.
        if (SIGNING_OPERATIONS.has(type)) this.drop(connection, new KysoError('HOST_DISCONNECTED', { reason: 'the host did not finish signing in time and was restarted' }));
      }), options.timeoutMs);
      connection.pending.set(id, {
        type,
        timer,
        resolve: (result) => settle(() => resolve(result as HostResult<T>)),
        reject: (error) => settle(() => reject(error)),
      });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        connection.port.postMessage(request);
      } catch {
        settle(() => reject(new KysoError('HOST_DISCONNECTED', { reason: 'post failed' })));
      }
    });
  }

  private receive(connection: Connection, message: unknown): void {
    const parsed = v.safeParse(HostReplySchema, message);
    if (!parsed.success) {
      // An untrustworthy frame: fail the request it names (if any); never guess what it meant.
      const id = typeof (message as { id?: unknown } | null)?.id === 'string' ? (message as { id: string }).id : '';
      connection.pending.get(id)?.reject(new KysoError('PROTOCOL_ERROR', { reason: 'reply shape' }));
      return;
    }
    const reply = parsed.output;
    if (reply.type === 'host.error' && reply.id === '') {
      // The host refused the whole connection (e.g. the caller is not allowed): every request gets the error.
      this.fail(connection, deserializeError(reply.error));
      return;
    }
    const pending = connection.pending.get(reply.id);
    if (!pending) return; // late reply of a timed-out or cancelled request, or an id we never sent
    if (reply.type === 'host.chunk') {
      this.collectChunk(connection, pending, reply);
      return;
    }
    if (reply.type === 'host.error') {
      pending.reject(deserializeError(reply.error));
      return;
    }
    const result = v.safeParse(HOST_OPERATIONS[pending.type].result, reply.payload);
    if (!result.success) {
      pending.reject(new KysoError('PROTOCOL_ERROR', { reason: 'result shape', operation: pending.type }));
      return;
    }
    pending.resolve(result.output);
  }

  /** Join `host.chunk` pieces in order; the whole is then handled as one frame (it must not be a chunk again). */
  private collectChunk(connection: Connection, pending: Pending, chunk: { id: string; index: number; count: number; data: string }): void {
    let whole: unknown;
    try {
      whole = (pending.chunks ??= new ChunkJoiner(chunk.id)).add(chunk);
    } catch (error) {
      pending.reject(error instanceof KysoError ? error : new KysoError('PROTOCOL_ERROR', { reason: 'chunk' }));
      return;
    }
    if (whole !== undefined) this.receive(connection, whole);
  }

  private drop(connection: Connection, error: KysoError): void {
    this.fail(connection, error);
    try { connection.port.disconnect(); } catch { /* already gone */ }
  }

  private fail(connection: Connection, error: KysoError): void {
    if (connection.closed) return;
    connection.closed = true;
    if (this.connection === connection) this.connection = null;
    for (const pending of [...connection.pending.values()]) pending.reject(error);
    for (const listener of [...this.lostListeners]) {
      try { listener(error); } catch { /* one listener's failure must not keep the others from hearing it */ }
    }
  }
}

/** Host operations that run a PKCS#11 signature or login (and so hold the token's lock while they run). */
const SIGNING_OPERATIONS: ReadonlySet<HostOperation> = new Set(['host.signDigest', 'host.signDigests', 'host.signDocuments', 'host.revealCertificates']);

/** Browser disconnect messages [Chrome native messaging docs, "Debugging native messaging"] → typed errors. */
export function mapDisconnect(reason: string | undefined): KysoError {
  const text = (reason ?? '').slice(0, 200);
  if (/not found/i.test(text) || /No such native application/i.test(text)) return new KysoError('HOST_NOT_INSTALLED', { reason: text });
  if (/forbidden/i.test(text)) return new KysoError('CALLER_NOT_ALLOWED', { reason: text });
  return new KysoError('HOST_DISCONNECTED', text ? { reason: text } : undefined);
}

function abortError(signal: AbortSignal): KysoError {
  return signal.reason instanceof KysoError ? signal.reason : new KysoError('REQUEST_SUPERSEDED');
}
