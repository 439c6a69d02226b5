export const hello = (x: string): string => `hi ${x}`;
