// Moved to ../stack.ts (the demo and benchmarks use it too); kept for existing imports.
export * from '../stack.ts';
