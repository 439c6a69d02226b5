import type { ConnectorConfig } from '../types.ts';

/** A string option from the connection config, or undefined. */
export const stringOption = (config: ConnectorConfig, key: string): string | undefined => {
  const v = config.options?.[key];
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
};

/** The transport settings every connector passes to its HttpClient. */
export const transportOptions = (config: ConnectorConfig) => ({
  baseUrl: config.baseUrl,
  ...(config.timeoutMs != null ? { timeoutMs: config.timeoutMs } : {}),
  ...(config.retries != null ? { retries: config.retries } : {}),
  ...(config.minBackoffMs != null ? { minBackoffMs: config.minBackoffMs } : {}),
  ...maxBodyOption(config),
  ...(config.gate ? { gate: config.gate } : {}),
  ...(config.signal ? { signal: config.signal } : {}),
});

/** `options.maxBodyBytes` of the connection (validated by the worker's config schema). */
const maxBodyOption = (config: ConnectorConfig): { maxBodyBytes?: number } => {
  const v = config.options?.maxBodyBytes;
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? { maxBodyBytes: v } : {};
};

export const createRetryOptions = (config: ConnectorConfig) => ({
  retries: config.createRetries ?? config.retries ?? 4,
  minBackoffMs: config.minBackoffMs ?? 500,
});
