/**
 * The one element builder of the extension's pages (consent window, options page). Text goes in as
 * textContent, never as HTML: origins, file names and certificate fields come from outside. It also goes
 * through displayText (shared/domain/display-text.ts): bidi overrides, zero-width and control characters
 * cannot reorder or hide what the person reads. `lines` keeps newlines (a text excerpt shown pre-wrapped).
 */
import { displayLines, displayText } from '../../shared/domain/display-text.js';

export interface ElementProps {
  readonly text?: string;
  /** Text of several lines (shown with white-space: pre-wrap); cleaned the same way but newlines kept. */
  readonly lines?: string;
  readonly className?: string;
  /** Stable data-testid for tests and portal developers' tests. */
  readonly testid?: string;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: ElementProps = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.text !== undefined) node.textContent = displayText(props.text);
  else if (props.lines !== undefined) node.textContent = displayLines(props.lines);
  if (props.className) node.className = props.className;
  if (props.testid) node.dataset['testid'] = props.testid;
  node.append(...children);
  return node;
}
