/**
 * Spreading an array into push() passes every item as an argument and overflows the stack for big arrays
 * (220k Deployments); this loop has no limit.
 */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}
