/** A backup or restore that cannot go on, for a reason the admin can act on (printed as one line). */
export class BackupError extends Error {}
