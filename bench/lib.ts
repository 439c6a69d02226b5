/**
 * The benchmark's building blocks, importable so that a test can run them at a small size.
 * model.ts: the minimum-write model and the incremental edits; measure.ts: one size end to end;
 * ceiling.ts: the raw HTTP ceiling; report.ts: the result shape, tables and plot.
 */
export * from './ceiling.ts';
export * from './measure.ts';
export * from './model.ts';
export * from './report.ts';
export * from './two-provider.ts';
