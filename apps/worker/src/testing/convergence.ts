// Moved to ../convergence.ts (the demo checks convergence too); kept for existing imports.
export * from '../convergence.ts';
