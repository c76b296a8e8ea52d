/**
 * `host.history`: the signing history for the extension's options page — newest records first, and the chain
 * check over every file. The background answers this only to its own options page (never to a web page).
 */
import type { HostRequestPayload, HostResult } from '../../../shared/protocol/host-messages.js';
import { HISTORY_QUERY_MAX_RECORDS } from '../../../shared/protocol/signing-history.js';
import { kysoDataDir } from '../../history/data-dir.js';
import { queryHistory } from '../../history/history-reader.js';
import { verifySigningHistory } from '../../history/history-verify.js';

export async function history(payload: HostRequestPayload<'host.history'>, dir: string = kysoDataDir()): Promise<HostResult<'host.history'>> {
  const [{ records, omitted }, chain] = await Promise.all([queryHistory(dir, payload, HISTORY_QUERY_MAX_RECORDS), verifySigningHistory(dir)]);
  return { records, omitted, chain: { ok: chain.ok, problems: chain.problems.slice(0, 20).map((p) => p.slice(0, 400)) } };
}
