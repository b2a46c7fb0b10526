/** Fire-and-forget messages between processes: in-process (embedded) or Redis pub/sub (server). */
export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  /** returns a function that removes this subscription */
  subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
