import { BadRequestException } from '@nestjs/common';

import { publishedTools } from '../../testing/tool.fixtures';
import { testUser } from '../../testing/token.fixtures';
import { EXAMPLE_TOOLS } from '../in-process-tools';
import { ClockTool } from './clock.tool';

const BASTILLE_DAY_NOON_UTC = new Date('2026-07-14T12:00:00Z');
const context = { user: testUser({ sub: 'auth0|ada' }), requestId: 'req-1' };

describe('ClockTool (current_time)', () => {
  const clock = new ClockTool();

  it('tells the time in the requested IANA time zone, for the calling user', () => {
    const answer = clock.now({ timeZone: 'Europe/Paris' }, context, BASTILLE_DAY_NOON_UTC);

    expect(answer).toEqual({
      timeZone: 'Europe/Paris',
      iso: '2026-07-14T12:00:00.000Z',
      local: expect.any(String),
      requestedBy: 'auth0|ada',
    });
    // The exact punctuation of the long date format varies with Node's ICU version.
    expect(answer.local).toMatch(/^Tuesday,? 14 July 2026 at 14:00:00 CEST$/);
  });

  it('uses UTC when no time zone is given', () => {
    const answer = clock.now({}, context, BASTILLE_DAY_NOON_UTC);

    expect(answer.timeZone).toBe('UTC');
    expect(answer.local).toMatch(/^Tuesday,? 14 July 2026 at 12:00:00 UTC$/);
  });

  it('answers 400 for an unknown time zone', () => {
    expect(() => clock.now({ timeZone: 'Mars/Olympus_Mons' }, context, BASTILLE_DAY_NOON_UTC)).toThrow(
      new BadRequestException('Unknown time zone "Mars/Olympus_Mons"'),
    );
  });

  it('is published as current_time, needs the time:read scope and is registered as an example tool', () => {
    expect(publishedTools(clock)).toEqual([
      expect.objectContaining({ name: 'current_time', scopes: ['time:read'], source: 'code' }),
    ]);
    expect(EXAMPLE_TOOLS).toContain(ClockTool);
  });
});
