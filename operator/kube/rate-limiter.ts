// Client-side rate limit for API requests: a token bucket refilled at `qps` holding up to
// `burst` tokens, like client-go's flowcontrol limiter. Callers reserve a token and wait until it
// is theirs, so concurrent callers are served in order without busy loops.

export interface RateLimiterOptions {
  /** Sustained requests per second; 0 or less turns limiting off. */
  qps: number;
  /** Requests allowed at once after a quiet period. */
  burst: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class TokenBucket {
  private readonly qps: number;
  private readonly burst: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private tokens: number;
  private last: number;

  constructor(options: RateLimiterOptions) {
    this.qps = options.qps;
    this.burst = Math.max(1, options.burst);
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Milliseconds the caller must wait for its token (0 when one is free); the token is taken. */
  reserve(): number {
    if (this.qps <= 0) return 0;
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.qps;
  }

  async take(): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) await this.sleep(wait);
  }
}
