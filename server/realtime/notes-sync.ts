/**
 * Runs a room's notes materialisation at most once per `delayMs` after changes were persisted,
 * never two at once, and at once on demand (the room empties, the server stops). A failed run
 * (database down) is retried on the next schedule.
 */
export class DebouncedRun {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private dirty = false;
  private stopped = false;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly delayMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  schedule(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.now();
    }, this.delayMs);
    this.timer.unref();
  }

  /** Runs now if anything is pending; resolves when no run is pending or in progress. */
  async now(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.running) await this.running;
    if (!this.dirty || this.stopped) return;
    this.dirty = false;
    this.running = this.run()
      .then(
        () => undefined,
        (error) => {
          this.onError(error);
          this.schedule();
        },
      )
      .finally(() => {
        this.running = null;
      });
    await this.running;
  }

  get pending(): boolean {
    return this.dirty || this.running !== null;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
