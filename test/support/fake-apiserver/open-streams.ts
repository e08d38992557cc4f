/** Long-lived responses (watches, followed logs, exec sessions) that closing the server must end. */
export class OpenStreams {
  private readonly closers = new Set<() => void>();

  /** Registers how to end a stream; returns the function to call once the stream ended by itself. */
  track(close: () => void): () => void {
    this.closers.add(close);
    return () => this.closers.delete(close);
  }

  closeAll(): void {
    for (const close of [...this.closers]) close();
    this.closers.clear();
  }
}
