/**
 * "Còn 3 yêu cầu đang chờ / 3 more requests waiting": the person in the consent window sees that other signing
 * requests queue behind this one (issue 15 §3), so a burst of requests is not mistaken for one that repeats. Only
 * the count is shown — never which sites wait (another site's request must stay unseen until its turn). The line
 * lives outside the form and is updated on its own, so a change never disturbs the PIN being typed.
 */
import type { ConsentReply } from '../../messaging/internal-messages.js';
import type { UiLanguage } from './consent-text.js';

export const QUEUE_POLL_MS = 1000;

export function queueText(waiting: number, language: UiLanguage): string {
  if (language === 'vi') return `Còn ${waiting} yêu cầu đang chờ`;
  return `${waiting} more ${waiting === 1 ? 'request' : 'requests'} waiting`;
}

function queueElement(): HTMLElement {
  let line = document.getElementById('queue');
  if (!line) {
    line = document.createElement('p');
    line.id = 'queue';
    line.className = 'queue';
    line.dataset['testid'] = 'consent-queue';
    line.setAttribute('role', 'status');
    document.getElementById('error')?.before(line);
  }
  return line;
}

/** The latest count the background gave (a state, or the poll below). */
let waiting = 0;

export function noteWaiting(count: number | undefined): void {
  waiting = count ?? 0;
}

/** Show the latest count (hidden at 0) in `language`; called on every render, so a language switch keeps it. */
export function showQueueLine(language: UiLanguage): void {
  const line = queueElement();
  line.hidden = waiting === 0;
  line.dataset['waiting'] = String(waiting);
  line.textContent = waiting === 0 ? '' : queueText(waiting, language);
}

/** Ask for the count every QUEUE_POLL_MS (consent.getState: read-only) and update only this line. */
export function startQueuePolling(send: (message: { kind: 'consent.getState' }) => Promise<ConsentReply>, language: () => UiLanguage): () => void {
  let inFlight = false;
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = true;
    send({ kind: 'consent.getState' }).then((reply) => {
      if (!('state' in reply) || (reply.state.waiting ?? 0) === waiting) return;
      noteWaiting(reply.state.waiting);
      showQueueLine(language());
    }, () => undefined).finally(() => { inFlight = false; });
  }, QUEUE_POLL_MS);
  return () => clearInterval(timer);
}
