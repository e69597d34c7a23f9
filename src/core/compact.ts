/** An object type without the `undefined` its optional values may hold. */
export type Compact<T> = { [K in keyof T]: Exclude<T[K], undefined> };

/** Drops undefined values so optional keys are absent from a payload, never `null` or `undefined`. */
export function compact<T extends Record<string, unknown>>(value: T): Compact<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Compact<T>;
}
