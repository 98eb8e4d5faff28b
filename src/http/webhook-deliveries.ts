import type { Redis } from 'ioredis';

/**
 * Remembers the ids of the webhook deliveries acted on, so that Truto's retries of one
 * delivery act once. Each id is kept as long as its event could still pass the age check.
 */
export class WebhookDeliveries {
  readonly #redis: Redis;
  readonly #keyPrefix: string;
  readonly #keepMs: number;

  constructor(redis: Redis, queuePrefix: string, maxAgeMs: number) {
    this.#redis = redis;
    this.#keyPrefix = `${queuePrefix}:webhook-delivery:`;
    // An event may be up to maxAgeMs ahead of the clock and is accepted until maxAgeMs
    // after it was created.
    this.#keepMs = 2 * maxAgeMs;
  }

  /** True for a delivery not seen before, which is recorded as seen in the same step. */
  async claim(id: string): Promise<boolean> {
    const set = await this.#redis.set(this.#key(id), '1', 'PX', this.#keepMs, 'NX');
    return set === 'OK';
  }

  /** Forgets a delivery whose action failed, so that Truto's retry may act on it. */
  async release(id: string): Promise<void> {
    await this.#redis.del(this.#key(id));
  }

  #key(id: string): string {
    return `${this.#keyPrefix}${id}`;
  }
}
