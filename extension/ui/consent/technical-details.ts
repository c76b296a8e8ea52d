/**
 * Technical detail in the consent window (hash values, SHA-256 of files) folded into a <details> block: it helps
 * almost no one reading the window and pushes what matters (who asks, what, who signs) out of view (issue 11 §4).
 * Opened once, every such block stays open across re-renders (language toggle, wrong PIN, hot-plug).
 */
import { el } from '../dom.js';
import type { UiLanguage } from './consent-text.js';
import { DECISION_TEXT } from './decision-text.js';

let opened = false;

export function technicalDetails(language: UiLanguage, ...content: HTMLElement[]): HTMLDetailsElement {
  const box = el('details', { className: 'technical', testid: 'technical-details' }, el('summary', { text: DECISION_TEXT[language].technicalDetails }), ...content);
  box.open = opened;
  box.addEventListener('toggle', () => { opened = box.open; });
  return box;
}
