import { nestsDeeperThan } from './json-depth';

/** `levels` arrays inside each other, built without recursion. */
function nested(levels: number, leaf: unknown = 'x'): unknown {
  let value = leaf;
  for (let level = 0; level < levels; level += 1) value = level % 2 ? [value] : { a: value };
  return value;
}

describe('nestsDeeperThan', () => {
  it.each([
    ['a scalar', 'x', 0, false],
    ['an empty object at the limit', {}, 1, false],
    ['an empty object over a limit of 0', {}, 0, true],
    ['64 levels with a limit of 64', nested(64), 64, false],
    ['65 levels with a limit of 64', nested(65), 64, true],
    ['a wide but shallow object', { list: Array.from({ length: 10_000 }, (_, i) => ({ i })) }, 3, false],
  ])('answers for %s', (_label, value, max, expected) => {
    expect(nestsDeeperThan(value, max)).toBe(expected);
  });

  it('measures 100 000 levels without exhausting the stack', () => {
    expect(nestsDeeperThan(nested(100_000), 64)).toBe(true);
  });
});
