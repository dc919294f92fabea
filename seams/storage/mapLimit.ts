/**
 * Runs `fn` over `items` with at most `limit` in flight, results in input order (listing heads, multipart
 * copy parts, publishing's copies, contract-test writers). After a failure no further item starts, and the
 * ones in flight finish before the first error is thrown: nothing keeps running once the caller has moved on.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failure) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
