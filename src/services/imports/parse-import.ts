import { parse } from 'csv-parse/sync';
import { ATTRIBUTE_BY_HEADER, DEFAULT_HEADERS, EXPECTED_HEADERS, type ImportRowData, type ImportType, KNOWN_FIRST_HEADERS } from './import-types.ts';

/** Form::Import's limits: a file of 20 MB and 20,000 rows at most. */
export const FILE_SIZE_LIMIT = 20 * 1024 * 1024;
export const ROWS_PROCESSING_LIMIT = 20_000;

/** An uploaded file Form::Import refuses, with Mastodon's message (`imports.errors.*`). */
export class ImportFileError extends Error {}

export interface ParsedImport {
  rows: ImportRowData[];
  /** the file looks like another type's (Form::Import#likely_mismatched?) */
  likelyMismatched: boolean;
}

/** ActiveModel::Type::Boolean's cast: blank is nil, Rails' false values are false, anything else true. */
function castBoolean(field: string | undefined): boolean | null {
  const value = field?.trim().toLowerCase();
  if (value === undefined || value === '') return null;
  return !['0', 'f', 'false', 'off', 'no', 'n'].includes(value);
}

/** Form::Import's converters, by header. */
function convert(header: string, field: string | undefined): unknown {
  switch (header) {
    case 'Show boosts':
    case 'Notify on new posts':
    case 'Hide notifications':
      return castBoolean(field);
    case 'Languages': {
      const languages = (field ?? '')
        .split(',')
        .map((language) => language.trim())
        .filter((language) => language !== '');
      return languages.length ? languages : null;
    }
    case 'Account address':
      return (field ?? '').trim().replace(/^@/, '');
    case '#domain':
      return (field ?? '').trim().toLowerCase();
    default:
      return (field ?? '').trim();
  }
}

/** Form::Import#guessed_type: what the headers or the file's name say the file is. */
function guessedType(headers: string[], filename: string): ImportType | undefined {
  const named = (prefix: string) => filename.startsWith(prefix);
  if (headers.includes('Hide notifications') || named('mutes') || named('muted_accounts')) return 'muting';
  if (headers.includes('Show boosts') || headers.includes('Notify on new posts') || headers.includes('Languages') || named('follows') || named('following_accounts')) return 'following';
  if (named('blocks') || named('blocked_accounts')) return 'blocking';
  if (named('domain_blocks') || named('blocked_domains')) return 'domain_blocking';
  if (named('bookmarks')) return 'bookmarks';
  if (named('lists')) return 'lists';
  return undefined;
}

function readRecords(bytes: Buffer): string[][] {
  try {
    return parse(bytes.toString('utf8'), { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (error) {
    throw new ImportFileError(`Invalid CSV file. Error: ${(error as Error).message}`);
  }
}

/**
 * Reads an uploaded CSV as Form::Import does: a first line starting with a known header is the
 * header line (Mastodon's own exports of follows and mutes); otherwise every line is data, read
 * with the type's default headers (its one-column exports of blocks, domain blocks and bookmarks,
 * and of lists). Throws an ImportFileError with Mastodon's message for a file it refuses.
 */
export function parseImportFile(type: ImportType, bytes: Buffer, filename: string): ParsedImport {
  if (bytes.length > FILE_SIZE_LIMIT) throw new ImportFileError('File is too large');
  const records = readRecords(bytes).filter((record) => record.some((field) => field.trim() !== ''));
  if (records.length === 0) throw new ImportFileError('Empty CSV file');
  const first = records[0]!.map((field) => field.trim());
  const hasHeaderLine = KNOWN_FIRST_HEADERS.includes(first[0]!);
  const headers = hasHeaderLine ? first : DEFAULT_HEADERS[type];
  const dataRecords = hasHeaderLine ? records.slice(1) : records;
  if (!DEFAULT_HEADERS[type].every((header) => headers.includes(header))) throw new ImportFileError('Incompatible with the selected import type');
  if (dataRecords.length > ROWS_PROCESSING_LIMIT) throw new ImportFileError(`contains more than ${ROWS_PROCESSING_LIMIT} rows`);
  const expected = EXPECTED_HEADERS[type];
  const rows = dataRecords.flatMap((record) => {
    const row: Record<string, unknown> = {};
    headers.forEach((header, index) => {
      if (expected.includes(header)) row[ATTRIBUTE_BY_HEADER[header]!] = convert(header, record[index]);
    });
    // a row without what it names (an account, a domain, a status) cannot be imported
    const key = type === 'domain_blocking' ? row.domain : type === 'bookmarks' ? row.uri : row.acct;
    if (!key || (type === 'lists' && !row.list_name)) return [];
    return [row as ImportRowData];
  });
  const guessed = guessedType(headers, filename);
  return { rows, likelyMismatched: guessed !== undefined && guessed !== type };
}
