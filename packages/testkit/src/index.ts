// A whole contact-sync in one process and what drives and checks it. `faults/support` (it asserts
// with vitest) is imported by its own path, so the demo does not load vitest.
export * from './convergence.ts';
export * from './sandbox-config.ts';
export * from './scenarios.ts';
export * from './stack.ts';
