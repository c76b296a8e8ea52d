/**
 * The one element builder of the extension's pages (consent window, options page). Text goes in as
 * textContent, never as HTML: origins, file names and certificate fields come from outside.
 */
export interface ElementProps {
  readonly text?: string;
  readonly className?: string;
  /** Stable data-testid for tests and portal developers' tests. */
  readonly testid?: string;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: ElementProps = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.text !== undefined) node.textContent = props.text;
  if (props.className) node.className = props.className;
  if (props.testid) node.dataset['testid'] = props.testid;
  node.append(...children);
  return node;
}
