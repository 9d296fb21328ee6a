/**
 * Coalesces concurrent calls for one key into one execution: the first caller runs `work`, the
 * others await its promise. Nothing is remembered after it settles.
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, { promise: Promise<T>; joined: number }>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const existing = this.#flights.get(key);
    if (existing) {
      existing.joined += 1;
      return existing.promise;
    }
    const flight = { promise: Promise.resolve().then(work), joined: 1 };
    this.#flights.set(key, flight);
    const forget = () => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    };
    flight.promise.then(forget, forget);
    return flight.promise;
  }

  /** How many callers are waiting on the flight for `key` (0 when none): for tests and metrics. */
  callers(key: string): number {
    return this.#flights.get(key)?.joined ?? 0;
  }

  /** Callers waiting across all flights. */
  totalCallers(): number {
    let total = 0;
    for (const flight of this.#flights.values()) total += flight.joined;
    return total;
  }
}
