// Time, injectable so tests can move it.
export interface Clock { now(): Date }
export const systemClock: Clock = { now: () => new Date() };

/** ISO 8601 with microseconds and Z, as Keystone renders expires_at: 2026-11-27T10:00:00.000000Z */
export const isoMicro = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
/** ISO 8601 seconds precision with Z (Nova/Glance style): 2026-11-27T10:00:00Z */
export const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
