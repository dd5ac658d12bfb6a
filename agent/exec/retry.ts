// Retrying a flaky operation: a busy umount, an mdadm --stop racing udev.

export interface RetryOptions {
  attempts?: number; // default 5
  delayMs?: number; // before the 2nd attempt; doubled each time after. Default 250
  onError?: (error: unknown, attempt: number) => void; // each failed attempt, the last included
}

// Resolves with fn's first success, or rejects with its last error.
export async function retry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, opts.attempts ?? 5);
  let delay = opts.delayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      opts.onError?.(error, attempt);
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay *= 2;
    }
  }
}
