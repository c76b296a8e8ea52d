/**
 * Per-token exclusive leases. A PKCS#11 login belongs to the whole application for that token
 * [PKCS#11 2.40 §5.6 C_Login], so two signers on one token at once would share (and a logout would end)
 * one login, and a second PIN would never be checked. Signers therefore take the token in turn.
 */
export class TokenLocks {
  readonly #tails = new Map<string, Promise<void>>();

  /** Wait for the token, then hold it until the returned release function is called (idempotent). */
  async acquire(tokenId: string): Promise<() => void> {
    const previous = this.#tails.get(tokenId) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    const tail = previous.then(() => held);
    this.#tails.set(tokenId, tail);
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      if (this.#tails.get(tokenId) === tail) this.#tails.delete(tokenId);
    };
  }
}
