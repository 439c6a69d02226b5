/** Resolves once `cond` holds; polls (tests only). The test's own timeout bounds it. */
export const until = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};
