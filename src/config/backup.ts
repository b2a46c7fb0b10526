import { ConfigError } from './errors.ts';
import { str, url, type Env } from './values.ts';

/**
 * Encrypted backups (`subspace backup`, and the scheduler's run when `BACKUP_TO` and
 * `BACKUP_RECIPIENTS` are set), and the media store's copy in a second bucket (`BACKUP_MEDIA_TO`).
 */
export interface BackupConfig {
  /** `BACKUP_TO`: a directory, or `s3://BUCKET/PREFIX` */
  to?: string;
  /** `BACKUP_RECIPIENTS`: age X25519 recipients (`age1…`), separated by commas or spaces */
  recipients: string[];
  /** `BACKUP_SCHEDULE` (`4h`): how often the scheduler backs up, when `to` and `recipients` are set */
  everySeconds: number;
  /** `BACKUP_KEEP` (`14d`): scheduled backups delete this instance's archives older than this */
  keepSeconds: number;
  /** `BACKUP_WEBHOOK_URL`: a Slack-compatible webhook told of each backup, `{"text": …}` */
  webhookUrl?: string;
  /** `BACKUP_DATABASE_URL`: a direct PostgreSQL connection for pg_dump and pg_restore (not through PgBouncer); DATABASE_URL/DB_* otherwise */
  databaseUrl?: string;
  /** `BACKUP_MEDIA_TO`: `s3://BUCKET/PREFIX`, a second bucket the media store is copied to incrementally (then left out of the archives) */
  mediaTo?: string;
  /** `BACKUP_S3_*`: the S3-compatible server of an `s3://` destination; the AWS SDK's own lookup for what is unset */
  s3: { endpoint?: string; region: string; credentials?: { accessKeyId: string; secretAccessKey: string } };
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `14d`, `4h`, `30m`, `90s`, `2w` in seconds; undefined when it is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)\s*([smhdw])$/i.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNITS[match[2]!.toLowerCase()]!;
  return seconds > 0 ? seconds : undefined;
}

function duration(env: Env, name: string, fallback: string): number {
  const raw = str(env, name) ?? fallback;
  const seconds = parseDuration(raw);
  if (seconds === undefined) throw new ConfigError(name, `must be a duration such as 4h, 30m or 14d, got "${raw}"`);
  return seconds;
}

/** An age X25519 recipient: Bech32 `age1` followed by 58 characters. */
export const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;

export function backupFromEnv(env: Env): BackupConfig {
  const to = str(env, 'BACKUP_TO');
  if (to?.startsWith('s3:') && !/^s3:\/\/[a-z0-9.-]+(\/.*)?$/.test(to)) throw new ConfigError('BACKUP_TO', `must be a directory or s3://BUCKET/PREFIX, got "${to}"`);
  const mediaTo = str(env, 'BACKUP_MEDIA_TO');
  if (mediaTo !== undefined && !/^s3:\/\/[a-z0-9.-]+(\/.*)?$/.test(mediaTo)) throw new ConfigError('BACKUP_MEDIA_TO', `must be s3://BUCKET/PREFIX, got "${mediaTo}"`);
  const recipients = (str(env, 'BACKUP_RECIPIENTS') ?? '').split(/[,\s]+/).filter(Boolean);
  for (const recipient of recipients) {
    if (!AGE_RECIPIENT.test(recipient)) throw new ConfigError('BACKUP_RECIPIENTS', `must list age recipients (age1…, from \`subspace backup keygen\`), got "${recipient}"`);
  }
  const accessKeyId = str(env, 'BACKUP_S3_ACCESS_KEY_ID');
  const secretAccessKey = str(env, 'BACKUP_S3_SECRET_ACCESS_KEY');
  if (!accessKeyId !== !secretAccessKey) throw new ConfigError(accessKeyId ? 'BACKUP_S3_SECRET_ACCESS_KEY' : 'BACKUP_S3_ACCESS_KEY_ID', 'must be set together with the other one');
  return {
    to,
    recipients,
    everySeconds: duration(env, 'BACKUP_SCHEDULE', '4h'),
    keepSeconds: duration(env, 'BACKUP_KEEP', '14d'),
    mediaTo,
    webhookUrl: url(env, 'BACKUP_WEBHOOK_URL', ['http:', 'https:']),
    databaseUrl: url(env, 'BACKUP_DATABASE_URL', ['postgres:', 'postgresql:']),
    s3: {
      endpoint: url(env, 'BACKUP_S3_ENDPOINT', ['http:', 'https:']),
      region: str(env, 'BACKUP_S3_REGION') ?? 'us-east-1',
      credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
    },
  };
}
