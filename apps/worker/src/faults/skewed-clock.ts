/**
 * Preloaded into a worker process (`node --import ./skewed-clock.ts`) to run it with a wrong
 * clock: `Date.now()` and `new Date()` are shifted by `CONTACT_SYNC_TEST_CLOCK_SKEW_MS`
 * (timers and `performance.now()` are not). The clock-skew test runs a worker 2 h ahead of
 * the process that starts its resyncs.
 */
const skew = Number(process.env.CONTACT_SYNC_TEST_CLOCK_SKEW_MS ?? 0);

if (skew !== 0) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  class SkewedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(realNow() + skew);
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return realNow() + skew;
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
}
