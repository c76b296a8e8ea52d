/**
 * Messages of the plugin-compatibility transport, validated on receipt at every hop:
 *
 *   page's WebSocket shim (MAIN world) ──MessagePort──▶ compat bridge (content script) ──runtime port──▶ background
 *
 * The shim and the bridge share a private MessageChannel made at injection; the bridge and the background a
 * runtime port named COMPAT_PORT_NAME. The background takes the frame's origin from the browser (`sender`),
 * never from these messages. A socket is a small number chosen by the shim; frames are the plugin's own text.
 */
import * as v from 'valibot';
import { PAGE_MESSAGE_MAX_BYTES } from '../../shared/limits.js';

export const COMPAT_PORT_NAME = 'kyso/compat';
/**
 * Marker of the one window message that hands the shim its private port (`enabled: true`), or tells the
 * early-registered shim that this frame may not use the transport (`enabled: false`, no port): see
 * background/compat/shim-registration.ts. The port is what is trusted, not this message.
 */
export const COMPAT_HANDSHAKE = 'kyso/compat-port';

const SocketIdSchema = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000));
/** A plugin frame is text (JSON, base64, or a fixed word such as "get_cert_info"). */
const FrameTextSchema = v.pipe(v.string(), v.maxLength(PAGE_MESSAGE_MAX_BYTES));
const UrlSchema = v.pipe(v.string(), v.maxLength(200));

/** Shim → bridge → background. */
export const CompatUpSchema = v.variant('t', [
  v.strictObject({ t: v.literal('open'), socket: SocketIdSchema, url: UrlSchema }),
  v.strictObject({ t: v.literal('frame'), socket: SocketIdSchema, data: FrameTextSchema }),
  v.strictObject({ t: v.literal('close'), socket: SocketIdSchema }),
]);
export type CompatUp = v.InferOutput<typeof CompatUpSchema>;

/** Background → bridge → shim: a reply frame, or "the connection failed" (error + close, as with no service). */
export const CompatDownSchema = v.variant('t', [
  v.strictObject({ t: v.literal('reply'), socket: SocketIdSchema, data: FrameTextSchema }),
  v.strictObject({ t: v.literal('fail'), socket: SocketIdSchema }),
]);
export type CompatDown = v.InferOutput<typeof CompatDownSchema>;

/** Bridge → background (runtime message): may this frame use the plugin transport? The answer installs the shim. */
export const CompatQuerySchema = v.strictObject({ kind: v.literal('compat.query') });
export const CompatQueryReplySchema = v.strictObject({
  installed: v.boolean(),
  /** Not allowed, but the early-registered shim may be in this frame: switch it off (see shim-registration.ts). */
  disable: v.optional(v.literal(true)),
});
export type CompatQueryReply = v.InferOutput<typeof CompatQueryReplySchema>;
