/**
 * At most `max` clips cut at a time (clip_max_concurrent): a clip reads recordings and may run a decoder, so a
 * burst of requests must not take the disk and the cores. A slot is given back when the answer has been sent or
 * the client went away, whichever comes first.
 */
export class ClipSlots {
  readonly max: number;
  private readonly onChange: ((inUse: number) => void) | undefined;
  private active = 0;

  constructor(max: number, onChange?: (inUse: number) => void) {
    this.max = max;
    this.onChange = onChange;
  }

  get inUse(): number {
    return this.active;
  }

  /** A function that gives the slot back (once, however often it is called), or null when all are taken. */
  tryTake(): (() => void) | null {
    if (this.active >= this.max) return null;
    this.active++;
    this.onChange?.(this.active);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.active--;
      this.onChange?.(this.active);
    };
  }
}
