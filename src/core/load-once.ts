// A load (of a key, a store's state) run once and kept once it succeeds. A load that fails is
// forgotten, so the next call tries again rather than every later call failing with its error.

export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    if (!loading) {
      const attempt = load();
      loading = attempt;
      attempt.catch(() => {
        if (loading === attempt) loading = undefined;
      });
    }
    return loading;
  };
}
