import { openStorage } from '../../backends/index.ts';
import type { Config } from '../../config/index.ts';
import { withEnvFiles } from '../../config/env-file.ts';
import { openDatabase } from '../../db/index.ts';
import { formatImportReport, ImportRefused, importMastodon } from '../../services/migration/mastodon/import-mastodon.ts';
import { mastodonSecretsFrom } from '../../services/migration/mastodon/otp-secrets.ts';
import type { MediaSource } from '../../services/migration/mastodon/paperclip.ts';
import { openMastodonSource, SourceError } from '../../services/migration/mastodon/source.ts';
import { lockHolder } from '../../roles/data-dir-lock.ts';
import { parseOptions } from '../args.ts';
import { terminalProgress } from '../progress.ts';
import { CommandError, UsageError } from '../usage-error.ts';
import { processUsage } from '../usage.ts';

/** `--media s3://BUCKET`: the files stay in the bucket this instance uses (S3_BUCKET), under Mastodon's keys. */
function s3Media(config: Config, url: string): MediaSource {
  const parsed = /^s3:\/\/([^/]+)\/?$/.exec(url);
  if (!parsed) throw new UsageError(`--media must be s3://BUCKET (got ${url})`, processUsage('import'));
  if (config.storage.kind !== 's3')
    throw new CommandError(
      `--media ${url}: this instance keeps its media on disk; set S3_ENABLED=true and S3_BUCKET=${parsed[1]} (with Mastodon's other S3_* settings), or copy the files with --media-dir`,
    );
  if (config.storage.bucket !== parsed[1])
    throw new CommandError(`--media ${url}: this instance uses the bucket ${config.storage.bucket}; set S3_BUCKET=${parsed[1]}, the bucket Mastodon's files are in`);
  return { kind: 's3' };
}

/**
 * `subspace import mastodon --database postgres://… [--media-dir DIR | --media s3://BUCKET] [--dry-run]`:
 * a Mastodon database into this (empty) instance, with no Subspace process running on it.
 */
export async function runImport(args: string[], loadConfiguration: () => Promise<Config>): Promise<number> {
  const text = processUsage('import');
  const [what, ...rest] = args;
  if (what !== 'mastodon') throw new UsageError(what ? `cannot import from ${what}: only mastodon` : 'missing what to import from (mastodon)', text);
  const { values, positionals } = parseOptions(text, rest, {
    database: { type: 'string' },
    'media-dir': { type: 'string' },
    media: { type: 'string' },
    'dry-run': { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`, text);
  if (!values.database) throw new UsageError('--database postgres://… (the Mastodon database) is needed', text);
  if (values['media-dir'] && values.media) throw new UsageError('give --media-dir or --media, not both', text);
  const config = await loadConfiguration();
  const holder = config.database.kind === 'pglite' ? lockHolder(config.dataDir) : undefined;
  if (holder && holder !== process.pid) throw new CommandError(`Subspace process ${holder} is running on ${config.dataDir}: stop it before importing`);
  // refused before anything is opened
  const s3 = values.media ? s3Media(config, values.media) : undefined;
  const storage = openStorage(config);
  const media: MediaSource = values['media-dir'] ? { kind: 'dir', dir: values['media-dir'], storage } : (s3 ?? { kind: 'none' });
  const source = await openMastodonSource(values.database).catch(async (error: unknown) => {
    await storage.close();
    throw error instanceof SourceError ? new CommandError(error.message) : error;
  });
  const database = await openDatabase(config);
  let current: ReturnType<typeof terminalProgress> | undefined;
  try {
    await database.migrate();
    const report = await importMastodon(config, database.db, source, {
      media,
      dryRun: values['dry-run'],
      // the variables of Mastodon's .env.production that its TOTP secrets were encrypted with
      secrets: mastodonSecretsFrom(withEnvFiles(process.env)),
      progress: (step) => {
        current?.stop();
        process.stderr.write(`${step}\n`);
        current = terminalProgress();
        return current;
      },
    });
    current?.stop();
    console.log(formatImportReport(report));
    if (!report.dryRun) console.log('Start the instance, then rebuild the home feeds: subspace feeds build --all');
    return 0;
  } catch (error) {
    current?.stop();
    if (error instanceof ImportRefused) throw new CommandError(error.message);
    throw error;
  } finally {
    await source.close();
    await database.close();
    await storage.close();
  }
}
