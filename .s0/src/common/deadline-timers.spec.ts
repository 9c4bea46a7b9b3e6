import { DeadlineTimers } from './deadline-timers';

describe('DeadlineTimers', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('fires a deadline no sooner than asked and at most one slot later', () => {
    const timers = new DeadlineTimers(25);
    const expired = jest.fn();
    const started = performance.now();
    timers.schedule(100, expired);

    jest.advanceTimersByTime(99);
    expect(expired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(26);
    expect(expired).toHaveBeenCalledTimes(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('shares one timer between deadlines that fall in the same slot', () => {
    const timers = new DeadlineTimers(1000);
    const first = jest.fn();
    const second = jest.fn();
    timers.schedule(5000, first);
    timers.schedule(5000, second);

    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(6000);
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);
  });

  it('never fires a cancelled deadline, and drops the timer once its slot is empty', () => {
    const timers = new DeadlineTimers(1000);
    const cancelled = jest.fn();
    const kept = jest.fn();
    const cancelFirst = timers.schedule(5000, cancelled);
    const cancelSecond = timers.schedule(5000, kept);

    cancelFirst();
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(6000);
    expect(cancelled).not.toHaveBeenCalled();
    expect(kept).toHaveBeenCalledTimes(1);

    const cancelThird = timers.schedule(5000, cancelled);
    cancelThird();
    cancelSecond();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(6000);
    expect(cancelled).not.toHaveBeenCalled();
  });
});
