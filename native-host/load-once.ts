/**
 * A loader (a dynamic import, usually) run once, its promise kept: an `import()` of a module already loaded still
 * costs a module lookup and its promises (~35 µs, measured), and hot paths ask per certificate of a listing or per
 * document of a batch. Every caller gets the same promise, so continuations run in the order they were registered
 * [ECMA-262 §27.2.1.3]. A failed load is forgotten: the next call tries again, as a bare `import()` would.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    if (!loading) {
      const started = load();
      loading = started;
      started.catch(() => {
        if (loading === started) loading = undefined;
      });
    }
    return loading;
  };
}
