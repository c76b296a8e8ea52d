/** Options page ⇄ background: the signing history query and its reply. Validated on both sides. */
import * as v from 'valibot';
import { SerializedErrorSchema } from '../../shared/protocol/common.js';
import { HistoryQuerySchema, HistoryResultSchema } from '../../shared/protocol/signing-history.js';

export const OptionsHistoryMessageSchema = v.strictObject({ kind: v.literal('options.history'), query: HistoryQuerySchema });
export type OptionsHistoryMessage = v.InferOutput<typeof OptionsHistoryMessageSchema>;

export const OptionsHistoryReplySchema = v.variant('ok', [
  v.strictObject({ ok: v.literal(true), result: HistoryResultSchema }),
  v.strictObject({ ok: v.literal(false), error: SerializedErrorSchema }),
]);
export type OptionsHistoryReply = v.InferOutput<typeof OptionsHistoryReplySchema>;
