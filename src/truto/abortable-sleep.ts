/**
 * Resolves after `ms`, or rejects with the signal's reason as soon as it is aborted, so that a
 * wait never outlives the job that asked for it.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(finish, ms);
    signal?.addEventListener('abort', abort, { once: true });

    function finish() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    }
  });
}
