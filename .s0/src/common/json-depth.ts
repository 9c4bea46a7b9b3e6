/**
 * Whether `value` nests arrays and objects more than `max` levels deep (`{}` is one level). Iterative,
 * so that no input can exhaust the stack here, unlike the recursive validators and serializers that run
 * after this check.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const { value: current, depth } = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(current)) pending.push({ value: child, depth: depth + 1 });
  }
  return false;
}
