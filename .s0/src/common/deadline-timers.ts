/**
 * Shared deadline timers: one timer per time slot instead of one per call. A deadline is rounded up to
 * the next slot boundary (never earlier than asked, at most `slotMs` later) and every deadline that falls
 * in the slot shares its timer; a slot whose calls all finished cancels its timer. AbortSignal.timeout()
 * plus AbortSignal.any() per call leaves a timer and weak references behind every call for the whole
 * timeout, which the garbage collector pays for on every forwarded request.
 */
export class DeadlineTimers {
  private readonly slots = new Map<number, { timer: NodeJS.Timeout; due: Set<() => void> }>();

  constructor(private readonly slotMs = 25) {}

  /** Calls `onExpire` once, no sooner than `delayMs` from now, unless the returned function cancels it. */
  schedule(delayMs: number, onExpire: () => void): () => void {
    const now = performance.now();
    const at = Math.ceil((now + delayMs) / this.slotMs) * this.slotMs;
    let slot = this.slots.get(at);
    if (!slot) {
      const timer = setTimeout(() => this.expire(at), Math.ceil(at - now));
      // An open slot must not keep a closing process alive; the calls it guards do that themselves.
      timer.unref();
      slot = { timer, due: new Set() };
      this.slots.set(at, slot);
    }
    const { due, timer } = slot;
    due.add(onExpire);
    return () => {
      if (!due.delete(onExpire) || due.size > 0) return;
      clearTimeout(timer);
      if (this.slots.get(at)?.due === due) this.slots.delete(at);
    };
  }

  private expire(at: number): void {
    const slot = this.slots.get(at);
    if (!slot) return;
    this.slots.delete(at);
    for (const onExpire of slot.due) onExpire();
    slot.due.clear();
  }
}
