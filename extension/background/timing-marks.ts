/**
 * Performance marks in the background for `npm run bench` (scripts/bench/browser-figures.ts reads them from the
 * service worker): where the time between a page's request and its consent window goes. Only the latest mark of
 * each name is kept, so a long-lived background does not collect one entry per request. Nothing about the request
 * is recorded, only the moment.
 */
export type TimingMark = 'kyso:request-in' | 'kyso:access-decided' | 'kyso:host-hello' | 'kyso:host-listed' | 'kyso:window-create' | 'kyso:window-created';

export function markLatest(name: TimingMark): void {
  const clock = globalThis.performance;
  if (typeof clock?.mark !== 'function') return;
  clock.clearMarks(name);
  clock.mark(name);
}
