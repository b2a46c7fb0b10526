/** Bad arguments: the CLI prints this message and a usage line, and exits 2. */
export class UsageError extends Error {
  readonly usage: string;
  constructor(message: string, usage: string) {
    super(message);
    this.usage = usage;
  }
}

/** A command that failed for a reason the admin should read (unknown user, validation): one line, exit 1. */
export class CommandError extends Error {}
